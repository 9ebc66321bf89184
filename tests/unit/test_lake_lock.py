"""The lake lock (govlake.lock): a writer that finds it held says so once, then waits;
re-entrant within a thread; with a timeout, gives up with LakeLockBusy."""

from __future__ import annotations

import logging
import threading
import time

import pytest

from govlake.lock import LakeLockBusy, lake_lock


def _hold_in_thread(lake, seconds: float) -> tuple[threading.Thread, threading.Event]:
    """Another holder (a thread has its own open file, so flock excludes it as it would a process)."""
    taken = threading.Event()

    def hold():
        with lake_lock(lake):
            taken.set()
            time.sleep(seconds)

    t = threading.Thread(target=hold)
    t.start()
    assert taken.wait(5)
    return t, taken


def test_a_free_lock_is_taken_silently_and_is_reentrant(lake, caplog):
    caplog.set_level(logging.INFO, logger="govlake.lock")
    with lake_lock(lake), lake_lock(lake):
        assert lake.writer_lock.read_text().strip().isdigit()  # the holder's pid
    assert not caplog.records


def test_a_held_lock_is_announced_once_then_awaited(lake, caplog):
    caplog.set_level(logging.INFO, logger="govlake.lock")
    holder, _ = _hold_in_thread(lake, 0.6)
    t0 = time.monotonic()
    with lake_lock(lake):
        waited = time.monotonic() - t0
    holder.join()
    assert waited >= 0.3
    messages = [r.getMessage() for r in caplog.records]
    assert len(messages) == 1, messages
    assert messages[0].startswith("waiting for the lake lock ")
    assert "held by another run (pid " in messages[0]


def test_a_timeout_gives_up_with_lake_lock_busy(lake):
    holder, _ = _hold_in_thread(lake, 1.0)
    try:
        with pytest.raises(LakeLockBusy, match="still held by another run"), lake_lock(lake, timeout=0.2):
            pass
    finally:
        holder.join()
