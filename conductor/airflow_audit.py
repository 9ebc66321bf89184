"""Airflow task and DAG-run callbacks that write the audit log (dag_factory attaches them).

A task attempt is recorded when it starts and when it ends (ok, failed, up_for_retry), in the
task's own process; a DAG run when it ends (ok or failed), from the DAG's callbacks. A DAG run
has no start callback: its first task's "started" record, with the same dag run id, marks it.
The _READY sensor's pokes (one every few minutes in reschedule mode) are not recorded as starts:
only how the sensor ended.
"""

from __future__ import annotations

from govlake import audit
from govlake.settings import Lake


def task_started(context) -> None:
    from airflow.sdk.bases.sensor import BaseSensorOperator

    if not isinstance(context["task"], BaseSensorOperator):
        _task(context, "started")


def task_succeeded(context) -> None:
    _task(context, "ok")


def task_failed(context) -> None:
    _task(context, "failed")


def task_retrying(context) -> None:
    _task(context, "up_for_retry")


def dag_run_succeeded(context) -> None:
    _dag_run(context, "ok")


def dag_run_failed(context) -> None:
    _dag_run(context, "failed")


def _task(context, outcome: str) -> None:
    ti = context["ti"]
    details = {"dag_run_id": ti.run_id, "try_number": ti.try_number}
    if context.get("exception") is not None:
        details["error"] = f"{type(context['exception']).__name__}: {context['exception']}"[:1000]
    audit.record(Lake.from_env(), "airflow.task", subject=f"{ti.dag_id}.{ti.task_id}", outcome=outcome, details=details)


def _dag_run(context, outcome: str) -> None:
    run = context["dag_run"]
    details = {"dag_run_id": run.run_id}
    if context.get("reason"):
        details["reason"] = str(context["reason"])[:1000]
    # the callback may run in a process that ran tasks before (dag.test()): name the run itself
    who = {"dag_id": run.dag_id, "run_id": run.run_id}
    audit.record(Lake.from_env(), "airflow.dag_run", subject=run.dag_id, outcome=outcome, details=details, airflow=who)


# what dag_factory passes: default_args of every task, and the DAG's own callbacks
TASK_CALLBACKS = {
    "on_execute_callback": task_started,
    "on_success_callback": task_succeeded,
    "on_failure_callback": task_failed,
    "on_retry_callback": task_retrying,
}
DAG_CALLBACKS = {"on_success_callback": dag_run_succeeded, "on_failure_callback": dag_run_failed}
