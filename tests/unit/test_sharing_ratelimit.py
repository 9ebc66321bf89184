"""The gateway's rate limit: a token bucket per caller."""

from __future__ import annotations

from sharing.gateway.ratelimit import RateLimiter


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def test_a_burst_is_allowed_then_the_caller_waits_for_the_refill():
    clock = Clock()
    limiter = RateLimiter(per_minute=60, burst=3, clock=clock)
    assert [limiter.take("a") for _ in range(3)] == [0.0, 0.0, 0.0]
    assert limiter.take("a") == 1.0
    clock.now = 1.0
    assert limiter.take("a") == 0.0


def test_callers_have_buckets_of_their_own():
    limiter = RateLimiter(per_minute=60, burst=1, clock=Clock())
    assert limiter.take("a") == 0.0 and limiter.take("b") == 0.0 and limiter.take("a") > 0
