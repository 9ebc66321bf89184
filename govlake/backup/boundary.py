"""A run of the pipeline is one state for a backup.

`govlake run` takes the writer lock (govlake/lock.py) in turns: ingestion's views, the dbt
build, the quality run, the gate, the curated publication, the directory. A backup slipping
in between two of them would restore a lake half-run: built but not checked, checked but
not published. So a run holds <lake>/dbt/.run.lock shared for its whole length (runs do not
wait for each other), and a backup takes it exclusively before the writer lock: it lands
before a run or after it, never inside.

Airflow's transform DAG runs the same steps as separate tasks, in separate processes, with
the scheduler's gaps between them: each task holds the run lock for its own length, and the
DAG run is open from its first task to its last (<lake>/dbt/.open-run.json, naming the run).
A backup that finds a run open lets go of the lock and waits for it to close."""

from __future__ import annotations

import fcntl
import json
import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from govlake.settings import Lake

log = logging.getLogger(__name__)


def run_lock_path(lake: Lake):
    return lake.dbt / ".run.lock"


@contextmanager
def _flock(lake: Lake, how: int, waiting: str) -> Iterator[None]:
    path = run_lock_path(lake)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a+") as f:
        try:
            fcntl.flock(f, how | fcntl.LOCK_NB)
        except BlockingIOError:
            log.warning(waiting, path)
            fcntl.flock(f, how)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def whole_run(lake: Lake):
    """Held by `govlake run` from its first step to its last (a backup waits for it)."""
    return _flock(lake, fcntl.LOCK_SH, "a backup of the lake is under way (%s): the run waits for it …")


def open_run_path(lake: Lake):
    return lake.dbt / ".open-run.json"


def open_run(lake: Lake) -> dict | None:
    """The Airflow DAG run that has begun changing the lake and not finished, if any."""
    try:
        return json.loads(open_run_path(lake).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None


@contextmanager
def dag_run_step(lake: Lake, run: str, *, opens: bool = False, closes: bool = False) -> Iterator[None]:
    """One task of a DAG run that changes the lake in several tasks: the run lock for the task's
    length; the first task opens the run, the last closes it, whatever became of the tasks
    between (it runs after them all: trigger rule all_done)."""
    with whole_run(lake):
        if opens:
            marker = {"run": run, "opened_at": datetime.now(UTC).isoformat(timespec="seconds")}
            open_run_path(lake).write_text(json.dumps(marker), encoding="utf-8")
        try:
            yield
        finally:
            if closes and (open_run(lake) or {}).get("run") == run:
                open_run_path(lake).unlink()


@contextmanager
def between_runs(lake: Lake, wait_seconds: float, poll_seconds: float = 5.0) -> Iterator[None]:
    """Held by a backup: no run is under way while it is held, neither a `govlake run` nor a
    DAG run between its tasks. An open DAG run is waited for up to `wait_seconds`, then named."""
    from govlake.backup.manifests import BackupError

    deadline = time.monotonic() + wait_seconds
    while True:
        with _flock(lake, fcntl.LOCK_EX, "waiting for the pipeline run under way to finish (%s) …"):
            run = open_run(lake)
            if run is None:
                yield
                return
        if time.monotonic() >= deadline:
            raise BackupError(
                f"the Airflow run {run['run']} (open since {run['opened_at']}) has not finished in "
                f"{wait_seconds:.0f} s: a snapshot now would hold it half done. If that run is dead "
                f"(its tasks no longer running), remove {open_run_path(lake)} and back up again."
            )
        log.warning("waiting for the Airflow run %s (open since %s) to finish …", run["run"], run["opened_at"])
        time.sleep(min(poll_seconds, max(0.0, deadline - time.monotonic())))
