"""A token bucket per caller: `burst` requests at once, refilled at `per_minute`."""

from __future__ import annotations

import threading
import time


class RateLimiter:
    def __init__(self, per_minute: float, burst: int, clock=time.monotonic):
        self._rate, self._burst, self._clock = per_minute / 60.0, burst, clock
        self._buckets: dict[str, tuple[float, float]] = {}  # key -> (tokens, at)
        self._lock = threading.Lock()

    def take(self, key: str) -> float:
        """0 when the request may go on, else the seconds until it may."""
        with self._lock:
            now = self._clock()
            tokens, at = self._buckets.get(key, (float(self._burst), now))
            tokens = min(self._burst, tokens + (now - at) * self._rate)
            if tokens >= 1:
                self._buckets[key] = (tokens - 1, now)
                return 0.0
            self._buckets[key] = (tokens, now)
            return (1 - tokens) / self._rate
