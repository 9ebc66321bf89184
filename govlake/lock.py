"""The lake's writer lock: one warehouse writer at a time, across processes and stages.

DuckDB lets one process write a database file at a time, and dbt's target/ under the lake
is shared too. Every writer of the warehouse — a dbt build, a quality run, a gate decision,
a 数据异议 ticket update, the report's snapshot, the curated publication, ingestion's ops
views — holds this lock, so writers queue instead of failing on "Could not set lock on
file". It is re-entrant within a thread: a holder may call another writer (a quality run
inside a pipeline step that already holds it).

A writer that finds the lock held says so once (a warning on the log, which is stderr
when nothing configured logging) and then waits; the holder's process id is in the lock
file, so the message names it.
"""

from __future__ import annotations

import fcntl
import logging
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from govlake.settings import Lake

log = logging.getLogger(__name__)

_held = threading.local()  # lock files this thread holds


class LakeLockBusy(TimeoutError):
    """The lake lock stayed held by another process for longer than the caller would wait."""


def _holder(f) -> str:
    try:
        f.seek(0)
        pid = f.read().strip()
    except OSError:
        return ""
    return f" (pid {pid})" if pid.isdigit() else ""


@contextmanager
def lake_lock(lake: Lake, *, timeout: float | None = None) -> Iterator[None]:
    """Hold <lake>/dbt/.lock exclusively for the duration of the block (re-entrant per thread).

    When another process holds it, log once "waiting for the lake lock …" and block until
    it is free; with a timeout (seconds), raise LakeLockBusy when it is not free by then."""
    path = lake.writer_lock
    path.parent.mkdir(parents=True, exist_ok=True)
    held = _held.__dict__.setdefault("paths", set())
    if path in held:
        yield
        return
    with path.open("a+") as f:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            log.warning("waiting for the lake lock %s held by another run%s …", path, _holder(f))
            _wait(f, path, timeout)
        held.add(path)
        try:
            f.truncate(0)
            f.write(f"{os.getpid()}\n")
            f.flush()
            yield
        finally:
            held.discard(path)
            fcntl.flock(f, fcntl.LOCK_UN)


def _wait(f, path, timeout: float | None) -> None:
    if timeout is None:
        fcntl.flock(f, fcntl.LOCK_EX)
        return
    deadline = time.monotonic() + timeout
    while True:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() >= deadline:
                raise LakeLockBusy(f"the lake lock {path} is still held by another run after {timeout:g} s") from None
            time.sleep(min(0.1, max(0.0, deadline - time.monotonic())))
