"""What a notification says: the DAG, the task, the run, the batch where known and the reason,
masked (govlake.pii.mask_text) because a reason may quote delivered data. No Airflow import: the
channels that send a notice are in conductor/notifications.py."""

from __future__ import annotations

from dataclasses import dataclass

from govlake.pii import mask_text


@dataclass(frozen=True)
class Notice:
    kind: str  # "task failed" | "quality gate held"
    dag_id: str
    task_id: str
    run_id: str | None
    batch: str | None
    reason: str

    @property
    def subject(self) -> str:
        return mask_text(f"[govlake] {self.kind}: {self.dag_id}.{self.task_id}")

    @property
    def text(self) -> str:
        lines = [
            f"govlake: {self.kind}",
            f"DAG: {self.dag_id}",
            f"task: {self.task_id}",
            f"run: {self.run_id or '-'}",
            f"batch: {self.batch or 'unknown'}",
            f"reason: {self.reason}",
        ]
        return mask_text("\n".join(lines))


class BatchFailure(RuntimeError):
    """A task's failure that knows which batches it concerns (the notice names them)."""

    def __init__(self, message: str, batches: list[str]):
        super().__init__(message)
        self.batches = batches


def failure_notice(context) -> Notice:
    ti = context["ti"]
    exc = context.get("exception")
    reason = f"{type(exc).__name__}: {exc}" if exc is not None else "the task failed (no exception recorded)"
    batches = getattr(exc, "batches", None)
    return Notice("task failed", ti.dag_id, ti.task_id, ti.run_id, ", ".join(batches) if batches else None, reason)


def hold_notice(context, gate: dict) -> Notice:
    ti = context["ti"]
    held = ", ".join(f"{d['source_id']} {d['batch']}" for d in gate["failed"])
    return Notice("quality gate held", ti.dag_id, ti.task_id, ti.run_id, held or None, gate["reason"])
