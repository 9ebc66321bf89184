"""The lake's writer lock: one warehouse writer at a time, across processes and stages.

DuckDB lets one process write a database file at a time, and dbt's target/ under the lake
is shared too. Every writer of the warehouse — a dbt build, a quality run, a gate decision,
a 数据异议 ticket update, the report's snapshot — holds this lock, so writers queue instead
of failing on "Could not set lock on file". It is re-entrant within a thread: a holder may
call another writer (a quality run inside a pipeline step that already holds it).
"""

from __future__ import annotations

import fcntl
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from govlake.settings import Lake

_held = threading.local()  # lock files this thread holds


@contextmanager
def lake_lock(lake: Lake) -> Iterator[None]:
    """Hold <lake>/dbt/.lock exclusively for the duration of the block (re-entrant per thread)."""
    path = lake.writer_lock
    path.parent.mkdir(parents=True, exist_ok=True)
    held = _held.__dict__.setdefault("paths", set())
    if path in held:
        yield
        return
    with path.open("a") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        held.add(path)
        try:
            yield
        finally:
            held.discard(path)
            fcntl.flock(f, fcntl.LOCK_UN)
