"""A run of the pipeline is one state for a backup.

`govlake run` takes the writer lock (govlake/lock.py) in turns: ingestion's views, the dbt
build, the quality run, the gate, the curated publication, the directory. A backup slipping
in between two of them would restore a lake half-run: built but not checked, checked but
not published. So a run holds <lake>/dbt/.run.lock shared for its whole length (runs do not
wait for each other), and a backup takes it exclusively before the writer lock: it lands
before a run or after it, never inside."""

from __future__ import annotations

import fcntl
import logging
from collections.abc import Iterator
from contextlib import contextmanager

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


def between_runs(lake: Lake):
    """Held by a backup: no run is under way while it is held."""
    return _flock(lake, fcntl.LOCK_EX, "waiting for the pipeline run under way to finish (%s) …")
