"""The soak's pure logic: which batches each day delivers, and the no-creep targets.

A soak replays ONE generated world day by day. Generating the city again with a later end
date does not give the next day: the synthetic world is not consistent across end dates
(checked on 2,000 persons, seed 42, end dates 2026-10-03 and 2026-10-04: of the 51 batch
directories both hold, 40 differ, most monthly 1sts included, and none of the daily ones is
the same; events are drawn per batch
slot counted from the end, and the calendar's irregularities — the missing, late and split
batches — sit at fixed slots from the end). So the soak's city is generated once with a
daily span long enough for every day (synth.generate_city(daily_days=…)), and day k
delivers the batch directories dated start + k days.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from statistics import mean

# ratio of the last window's mean to the first's (issue 18: "within 1.2×")
CREEP_LIMIT = 1.2
WINDOW = 10  # days at each end of the soak


def batch_dirs(landing: Path) -> list[Path]:
    """Every batch directory of a generated landing zone (<source id>/<YYYY-MM-DD>/)."""
    return sorted(d for d in landing.glob("*.*/*") if d.is_dir() and _is_date(d.name))


def _is_date(name: str) -> bool:
    try:
        date.fromisoformat(name)
    except ValueError:
        return False
    return True


def plan_days(landing: Path, start: date, days: int) -> dict[int, list[Path]]:
    """Day 0: every batch dated on or before `start` (the lake's history, built before the
    soak's days); day k (1..days): the batches dated start + k. A day may deliver nothing
    for a source (its cadence, or the calendar's missing batch); a batch dated after the
    last day is never delivered."""
    plan: dict[int, list[Path]] = {k: [] for k in range(days + 1)}
    for d in batch_dirs(landing):
        k = max(0, (date.fromisoformat(d.name) - start).days)
        if k <= days:
            plan[k].append(d)
    return plan


def correction_days(broken: list[Path], start: date, days: int) -> dict[int, list[Path]]:
    """The day each file rejected whole (source/batch/file, relative to the landing zone) comes
    back corrected, 一数一源's loop played by the synthetic departments: a file delivered on day
    k ≥ 1 is answered the next day, k + 1 (its batch held for a day, as it would be); the
    history's files are delivered already corrected on day 0 (the lake's past, whose loop has
    closed: a file broken before the soak would otherwise hold the gate on every day and no
    publication would be measured); a file of the last day is not answered within the soak."""
    plan: dict[int, list[Path]] = {k: [] for k in range(days + 1)}
    for rel in broken:
        k = max(0, (date.fromisoformat(rel.parts[1]) - start).days)
        answered = 0 if k == 0 else k + 1
        if answered <= days:
            plan[answered].append(rel)
    return plan


def soak_span(end: date, days: int) -> tuple[date, int]:
    """The start date of a soak of `days` days ending at `end`, and the daily span its city
    needs: the five days a city always has before its first day, plus the soak's days."""
    return end - timedelta(days=days), days + 5


def window(days: int) -> int:
    """Days in each of the first and last windows: ten, or half the soak when it is shorter,
    so the two windows never share a day."""
    return min(WINDOW, days // 2)


def creep(values: list[float], n: int) -> float | None:
    """mean(last n) / mean(first n); None when there is no first window to compare with."""
    if n < 1 or len(values) < 2 * n or mean(values[:n]) == 0:
        return None
    return mean(values[-n:]) / mean(values[:n])


def evaluate(days: list[dict]) -> dict:
    """The soak's targets over its measured days (day 0, the history, left out):

    - wall time and peak RSS: mean of the last window within 1.2× of the first window's;
    - warehouse growth beyond the data's own: the warehouse's bytes per raw row (raw rows
      accumulate: every batch stays in the raw layer, and the household register delivers a
      full snapshot daily), mean of the last window within 1.2× of the first's. The lake's
      bytes per raw row are reported beside it.
    """
    n = window(len(days))
    series = {
        "wall_seconds": [d["seconds"] for d in days],
        "peak_rss_mb": [d["peak_rss_mb"] for d in days],
        "warehouse_bytes_per_raw_row": [d["warehouse_bytes"] / max(d["raw_rows"], 1) for d in days],
        "lake_bytes_per_raw_row": [d["lake_bytes"] / max(d["raw_rows"], 1) for d in days],
    }
    out = {"window_days": n, "limit": CREEP_LIMIT, "measures": {}}
    for name, values in series.items():
        ratio = creep(values, n)
        target = name != "lake_bytes_per_raw_row"
        out["measures"][name] = {
            "first_mean": round(mean(values[:n]), 6) if n else None,
            "last_mean": round(mean(values[-n:]), 6) if n else None,
            "ratio": None if ratio is None else round(ratio, 3),
            "target": target,
            "met": None if ratio is None or not target else ratio <= CREEP_LIMIT,
        }
    return out
