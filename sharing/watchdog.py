"""Time limits for queries, watched by one thread for all of them.

    with WATCHDOG.limit(seconds, cursor.interrupt) as limit:
        ...                       # run the query; limit.fired says whether it was interrupted

A timer thread per query cost ~2 ms of a 100-row page (starting a thread waits for the GIL:
bench/README.md, issue 16); one thread keeps the deadlines in a heap instead. A limit that ends
before its deadline is never fired: ending it and firing it take the same lock.
"""

from __future__ import annotations

import heapq
import itertools
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass


@dataclass
class Limit:
    interrupt: Callable[[], None] | None  # None once done: the heap keeps no cursor alive
    done: bool = False
    fired: bool = False


class Watchdog:
    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._heap: list[tuple[float, int, Limit]] = []
        self._order = itertools.count()
        self._thread: threading.Thread | None = None

    @contextmanager
    def limit(self, seconds: float, interrupt: Callable[[], None]) -> Iterator[Limit]:
        limit = Limit(interrupt)
        with self._cond:
            heapq.heappush(self._heap, (time.monotonic() + seconds, next(self._order), limit))
            if self._thread is None:
                self._thread = threading.Thread(target=self._watch, name="govlake-query-watchdog", daemon=True)
                self._thread.start()
            self._cond.notify()
        try:
            yield limit
        finally:
            with self._cond:
                limit.done, limit.interrupt = True, None

    def _watch(self) -> None:
        with self._cond:
            while True:
                now = time.monotonic()
                while self._heap and (self._heap[0][2].done or self._heap[0][0] <= now):
                    _, _, limit = heapq.heappop(self._heap)
                    if not limit.done:
                        limit.fired = True
                        limit.interrupt()
                self._cond.wait(self._heap[0][0] - now if self._heap else None)


WATCHDOG = Watchdog()
