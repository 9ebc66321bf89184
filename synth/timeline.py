"""Dates of the generated world: the batch calendar anchors and day arithmetic.

Dates inside the generator are integer days since 1970-01-01 ("epoch days") so
numpy can handle whole blocks of persons at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache

EPOCH = date(1970, 1, 1)
DAY_SECONDS = 86_400


def ed(d: date) -> int:
    return (d - EPOCH).days


def from_ed(n: int) -> date:
    return EPOCH + timedelta(days=int(n))


def years(n: float) -> int:
    """A span of years in days (mean Gregorian year)."""
    return int(round(n * 365.2425))


def add_months(d: date, months: int) -> date:
    m = d.month - 1 + months
    return date(d.year + m // 12, m % 12 + 1, 1)


@cache
def ymd(n: int) -> str:
    return from_ed(n).isoformat()


@cache
def ymd8(n: int) -> str:
    return from_ed(n).strftime("%Y%m%d")


def ymd_slash(n: int) -> str:
    d = from_ed(n)
    return f"{d.year}/{d.month}/{d.day}"


def dt(seconds: int) -> str:
    day, rest = divmod(int(seconds), DAY_SECONDS)
    return f"{ymd(day)} {rest // 3600:02d}:{rest // 60 % 60:02d}:{rest % 60:02d}"


def age_on(birth: int, day: int) -> int:
    """Completed years of age on `day` (both epoch days)."""
    b, d = from_ed(birth), from_ed(day)
    return d.year - b.year - ((d.month, d.day) < (b.month, b.day))


@dataclass(frozen=True)
class Timeline:
    """The batch anchors for a generation ending at `end`.

    daily: the last five days (`days` of them when given); monthly: the last three
    1sts, or more so that two precede the daily span; quarterly: the last two quarter
    starts, or more so that one precedes it. A longer span is one world delivered over
    more days (bench/soak.py); the default span gives the calendar it always gave.
    `start` is the earliest batch date of any source: all "history" (the first batch of
    an incremental source) lies before it.
    """

    end: date
    daily: tuple[date, ...]
    monthly: tuple[date, ...]
    quarterly: tuple[date, ...]

    @classmethod
    def ending(cls, end: date, days: int = 5) -> Timeline:
        if days < 5:
            raise ValueError("the daily span is at least five days")
        daily = tuple(end - timedelta(days=days - 1 - i) for i in range(days))
        m0 = end.replace(day=1)
        firsts_in_span = sum(d.day == 1 for d in daily)
        months = max(3, firsts_in_span + 2)
        monthly = tuple(add_months(m0, -(months - 1) + i) for i in range(months))
        q0 = date(end.year, (end.month - 1) // 3 * 3 + 1, 1)
        quarter_starts_in_span = sum(d.day == 1 and d.month % 3 == 1 for d in daily)
        quarters = max(2, quarter_starts_in_span + 1)
        quarterly = tuple(add_months(q0, -3 * (quarters - 1 - i)) for i in range(quarters))
        return cls(end, daily, monthly, quarterly)

    @property
    def start(self) -> date:
        return min(self.daily[0], self.monthly[0], self.quarterly[0])

    @property
    def end_ed(self) -> int:
        return ed(self.end)

    @property
    def daily_ed(self) -> tuple[int, ...]:
        return tuple(ed(d) for d in self.daily)

    @property
    def monthly_ed(self) -> tuple[int, ...]:
        return tuple(ed(d) for d in self.monthly)

    @property
    def quarterly_ed(self) -> tuple[int, ...]:
        return tuple(ed(d) for d in self.quarterly)

    @property
    def event_days(self) -> tuple[int, ...]:
        """Days on which daily increments record events: each daily batch
        carries what happened the day before it."""
        return tuple(ed(d) - 1 for d in self.daily)

    @property
    def event_months(self) -> tuple[tuple[int, int], ...]:
        """[first, last+1) epoch-day span of the month before each monthly batch."""
        return tuple((ed(add_months(d, -1)), ed(d)) for d in self.monthly)
