"""The departments' corrected re-deliveries of a synthetic city's files rejected whole.

A file the generator broke at file level (a missing or extra column: FILE_KINDS in the truth
file) is rejected whole at ingestion, and the quality gate holds its batch. A department's
answer is the same extract, fixed, under the same batch date. The generator makes the fixed
file by rendering the same city without defects: the world and each file's rows come from
their own random streams, so the clean rendering holds the very rows of the broken file, with
its header intact (checked for the 2,000-person city, seed 42: every row of the three broken
files equal, column for column).
"""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

from synth.defects import FILE_KINDS
from synth.generate import TRUTH_DIR, generate_city


def rejected_whole(landing: Path) -> list[Path]:
    """Files of a generated landing zone that carry a file-level defect, relative to it."""
    truth = Path(landing) / TRUTH_DIR / "defects.csv"
    if not truth.exists():
        return []
    with open(truth, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    return sorted({Path(r["source"], r["batch"], r["file"]) for r in rows if r["kind"] in FILE_KINDS})


def write_corrections(
    landing: Path,
    out: Path,
    *,
    persons: int,
    seed: int,
    end_date: date = date(2026, 10, 3),
    daily_days: int = 5,
) -> list[Path]:
    """Render the city without defects into `out` and return the relative paths of the files
    that correct `landing`'s files rejected whole (each present in both). `end_date` and
    `daily_days` must be those `landing` was generated with."""
    broken = rejected_whole(landing)
    if not broken:
        return []
    generate_city(Path(out), persons=persons, seed=seed, defect_rate=0.0, end_date=end_date, daily_days=daily_days)
    return [rel for rel in broken if (Path(out) / rel).is_file() and (Path(landing) / rel).is_file()]
