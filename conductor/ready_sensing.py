"""The ingestion DAGs' wait for a complete batch (`_READY`): a sensor that pokes in reschedule
mode, or defers to a trigger that polls the landing directory in Airflow's triggerer.

Which one is orchestration.yaml's `ready_sensor.sensing`, overridden by `GOVLAKE_READY_SENSING`
(reschedule | deferrable; conductor.dag_factory.sensing). Deferrable frees the worker slot
and the scheduler's reschedules while a source waits, but needs a running triggerer:
`dag.test()` and `govlake demo` keep reschedule; the deployment (docker-compose.yml, which
runs a triggerer) sets deferrable.

Either way a batch is pending as conductor.pipeline.pending_batches says, and a wait with
nothing new ends skipped, not failed (a quiet day is no breakdown).
"""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta

from airflow.sdk import BaseSensorOperator, PokeReturnValue
from airflow.triggers.base import BaseTrigger, TriggerEvent


def _pending(source_id: str, home: str) -> list[str]:
    from conductor.pipeline import pending_batches
    from govlake.settings import Lake

    return pending_batches(source_id, Lake.from_env(home))


class ReadyTrigger(BaseTrigger):
    """Fires when `source_id` has a pending complete batch in the lake at `home` (or at once
    when `only_new` is false); fires {"pending": None} once `timeout_seconds` have passed."""

    def __init__(self, source_id: str, home: str, only_new: bool, poke_interval: float, timeout_seconds: float):
        super().__init__()
        self.source_id = source_id
        self.home = home
        self.only_new = only_new
        self.poke_interval = poke_interval
        self.timeout_seconds = timeout_seconds

    def serialize(self) -> tuple[str, dict]:
        return (
            f"{type(self).__module__}.{type(self).__qualname__}",
            {
                "source_id": self.source_id,
                "home": self.home,
                "only_new": self.only_new,
                "poke_interval": self.poke_interval,
                "timeout_seconds": self.timeout_seconds,
            },
        )

    async def run(self):
        deadline = time.monotonic() + self.timeout_seconds
        while True:
            # a directory walk and stat calls: in a thread, so the triggerer's loop keeps serving other triggers
            pending = await asyncio.to_thread(_pending, self.source_id, self.home)
            if pending or not self.only_new:
                yield TriggerEvent({"pending": pending})
                return
            if time.monotonic() + self.poke_interval > deadline:
                yield TriggerEvent({"pending": None})
                return
            await asyncio.sleep(self.poke_interval)


class ReadySensor(BaseSensorOperator):
    """Waits for a complete batch of `source_id`; its XCom is the pending batches."""

    def __init__(self, *, source_id: str, deferrable: bool = False, **kwargs):
        super().__init__(**kwargs)
        self.source_id = source_id
        self.deferrable = deferrable

    def poke(self, context) -> PokeReturnValue:
        from govlake.settings import Lake

        pending = _pending(self.source_id, str(Lake.from_env().home))
        return PokeReturnValue(is_done=bool(pending) or not context["params"]["only_new"], xcom_value=pending)

    def execute(self, context):
        if not self.deferrable:
            return super().execute(context)
        from govlake.settings import Lake

        # looked at once here: a batch already complete needs no trip through the triggerer
        first = self.poke(context)
        if first.is_done:
            return first.xcom_value
        print(f"{self.source_id}: no new complete batch yet; waiting in the triggerer", flush=True)
        self.defer(
            trigger=ReadyTrigger(
                self.source_id,
                str(Lake.from_env().home),
                bool(context["params"]["only_new"]),
                self.poke_interval,
                self.timeout,
            ),
            method_name="execute_complete",
            # the trigger ends the wait itself (skipped); this is only a backstop
            timeout=timedelta(seconds=self.timeout + self.poke_interval * 2),
        )

    def execute_complete(self, context, event: dict) -> list[str]:
        from airflow.sdk.exceptions import AirflowSkipException

        if event["pending"] is None:
            raise AirflowSkipException(f"{self.source_id}: no new complete batch in {self.timeout:.0f} s")
        print(f"{self.source_id}: complete batch(es) {', '.join(event['pending'])} found by the triggerer", flush=True)
        return event["pending"]
