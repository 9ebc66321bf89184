"""The landing zone: which batches are complete and which files a batch holds.

landing/<source id>/<YYYY-MM-DD>/<files> ; a batch is complete once the sender
has written `_READY` (last). Files that match the source's file pattern are data;
anything else in the directory is rejected to quarantine with a reason.

Refused (recorded in quarantine with a reason, never loaded): a batch dated after
today + `future_batch_tolerance_days` (ingest/limits.yaml). "Today" is the local
date; tests pin it with the environment variable GOVLAKE_TODAY=YYYY-MM-DD (for tests
only).
"""

from __future__ import annotations

import functools
import logging
import os
import re
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import yaml

from govlake.registry import Source

log = logging.getLogger(__name__)

READY = "_READY"
_DATE_DIR = re.compile(r"^\d{4}-\d{2}-\d{2}$")
LIMITS = Path(__file__).with_name("limits.yaml")
TODAY_ENV = "GOVLAKE_TODAY"

# Why a batch is refused (the `refused` in its quarantine summary).
FUTURE_BATCH = "future_batch"


@functools.cache
def future_tolerance_days() -> int:
    """Days after today a batch date may be (ingest/limits.yaml; default 1)."""
    doc = yaml.safe_load(LIMITS.read_text(encoding="utf-8")) if LIMITS.exists() else None
    return int((doc or {}).get("future_batch_tolerance_days", 1))


def today() -> date:
    """The local date, or GOVLAKE_TODAY (YYYY-MM-DD) where tests set it."""
    pinned = os.environ.get(TODAY_ENV)
    return date.fromisoformat(pinned) if pinned else date.today()


def future_batch(batch: str) -> str | None:
    """Why a batch date is refused as lying in the future, or None."""
    now = today()
    tolerance = future_tolerance_days()
    if date.fromisoformat(batch) <= now + timedelta(days=tolerance):
        return None
    return f"batch {batch} is dated after today ({now.isoformat()}) + {tolerance} day(s) of tolerance"


def batch_date(batch_dir: Path) -> str | None:
    """The batch date (YYYY-MM-DD) a directory name stands for, or None."""
    name = batch_dir.name
    if not _DATE_DIR.match(name):
        return None
    try:
        date.fromisoformat(name)
    except ValueError:
        return None
    return name


def is_complete(batch_dir: Path) -> bool:
    return (batch_dir / READY).is_file()


def batch_dirs(landing: Path, source: Source) -> list[Path]:
    """Every dated batch directory of a source, complete or not, oldest first."""
    root = Path(landing) / source.id
    if not root.is_dir():
        return []
    found = []
    for d in root.iterdir():
        if not d.is_dir():
            continue
        if batch_date(d) is None:
            log.warning("%s: %s is not a YYYY-MM-DD batch directory; ignored", source.id, d)
            continue
        found.append(d)
    # ISO dates sort as text, which is the delivery order.
    return sorted(found, key=lambda p: p.name)


def find_complete_batches(landing: Path, source: Source) -> list[Path]:
    """Batch directories of `source` that hold `_READY` and are not refused (dated in
    the future), sorted by date."""
    return [d for d in batch_dirs(landing, source) if is_complete(d) and future_batch(d.name) is None]


def _natural_key(name: str) -> list:
    # name_part2.csv before name_part10.csv
    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", name)]


@dataclass(frozen=True)
class BatchFiles:
    data: list[Path]  # files matching the source pattern, in natural order
    unexpected: list[Path]  # anything else except _READY (files or directories)

    @property
    def all(self) -> list[Path]:
        return sorted(self.data + self.unexpected, key=lambda p: _natural_key(p.name))


def classify_files(batch_dir: Path, source: Source) -> BatchFiles:
    rx = source.file_regex
    data, unexpected = [], []
    for p in batch_dir.iterdir():
        if p.name == READY:
            continue
        if p.is_file() and rx.match(p.name):
            data.append(p)
        else:
            unexpected.append(p)
    key = lambda p: _natural_key(p.name)  # noqa: E731
    return BatchFiles(sorted(data, key=key), sorted(unexpected, key=key))
