"""The landing zone: which batches are complete and which files a batch holds.

landing/<source id>/<YYYY-MM-DD>/<files> ; a batch is complete once the sender
has written `_READY` (last). Files that match the source's file pattern are data;
anything else in the directory is rejected to quarantine with a reason.

Refused outright (never opened, never copied; recorded in quarantine with a reason):
a source directory, batch directory or file that is a symlink or resolves outside the
landing root, and a batch dated after today + `future_batch_tolerance_days`
(ingest/limits.yaml). "Today" is the local date; tests pin it with the environment
variable GOVLAKE_TODAY=YYYY-MM-DD (for tests only).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from govlake.registry import Source
from govlake.settings import today  # local date, or GOVLAKE_TODAY where tests pin it
from ingest.limits import limits

log = logging.getLogger(__name__)

READY = "_READY"
_DATE_DIR = re.compile(r"\d{4}-\d{2}-\d{2}")

# Why an entry of the landing zone is refused (the `reason` in quarantine summaries).
SYMLINK = "symlink"
OUTSIDE_LANDING = "outside_landing"
FUTURE_BATCH = "future_batch"
REFUSED_WORDS = {SYMLINK: "is a symlink", OUTSIDE_LANDING: "resolves outside the landing root"}


def future_tolerance_days() -> int:
    """Days after today a batch date may be (ingest/limits.yaml; default 1)."""
    return limits().future_batch_tolerance_days


def future_batch(batch: str) -> str | None:
    """Why a batch date is refused as lying in the future, or None."""
    now = today()
    tolerance = future_tolerance_days()
    if date.fromisoformat(batch) <= now + timedelta(days=tolerance):
        return None
    return f"batch {batch} is dated after today ({now.isoformat()}) + {tolerance} day(s) of tolerance"


def refused_entry(path: Path, landing: Path) -> str | None:
    """SYMLINK or OUTSIDE_LANDING when a landing entry must not be read; else None.

    Only lstat-like calls: nothing the entry points to is opened."""
    if path.is_symlink():
        return SYMLINK
    try:
        path.resolve().relative_to(Path(landing).resolve())
    except ValueError:
        return OUTSIDE_LANDING
    return None


def batch_refusal(batch_dir: Path) -> tuple[str, str] | None:
    """(reason code, words) when a batch directory is refused whole before it is read.

    The landing root is the batch directory's grandparent (landing/<source>/<date>).
    Checked: the source and batch directories are no symlinks and lie inside the
    landing root. (A future date is checked once the batch is complete.)"""
    batch_dir = Path(batch_dir)
    landing = batch_dir.parent.parent
    for entry in (batch_dir.parent, batch_dir):
        code = refused_entry(entry, landing)
        if code:
            what = "source" if entry == batch_dir.parent else "batch"
            return code, f"{entry}: the {what} directory {REFUSED_WORDS[code]}; refused, nothing read"
    return None


def batch_date(batch_dir: Path) -> str | None:
    """The batch date (YYYY-MM-DD) a directory name stands for, or None."""
    name = batch_dir.name
    if not _DATE_DIR.fullmatch(name):
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
    if root.is_symlink():
        log.warning("%s: %s is a symlink; refused, not read", source.id, root)
        return []
    if not root.is_dir():
        return []
    found = []
    for d in root.iterdir():
        if not (d.is_dir() or d.is_symlink()):  # a symlinked batch is listed, to be refused
            continue
        if batch_date(d) is None:
            log.warning("%s: %s is not a YYYY-MM-DD batch directory; ignored", source.id, d)
            continue
        found.append(d)
    # ISO dates sort as text, which is the delivery order.
    return sorted(found, key=lambda p: p.name)


def find_complete_batches(landing: Path, source: Source) -> list[Path]:
    """Batch directories of `source` that hold `_READY` and are not refused (symlinked,
    outside the landing root, dated in the future), sorted by date."""
    return [
        d
        for d in batch_dirs(landing, source)
        if batch_refusal(d) is None and is_complete(d) and future_batch(d.name) is None
    ]


def _natural_key(name: str) -> list:
    # name_part2.csv before name_part10.csv
    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", name)]


@dataclass(frozen=True)
class BatchFiles:
    data: list[Path]  # files matching the source pattern, in natural order
    unexpected: list[Path]  # anything else except _READY (files or directories)
    refused: list[tuple[Path, str]] = field(default_factory=list)  # (entry, SYMLINK | OUTSIDE_LANDING): never read

    @property
    def all(self) -> list[Path]:
        return sorted(self.data + self.unexpected, key=lambda p: _natural_key(p.name))


def classify_files(batch_dir: Path, source: Source) -> BatchFiles:
    """The batch's data files, other entries (rejected whole), and refused entries
    (symlinks, anything resolving outside the landing root: never opened)."""
    rx = source.file_regex
    landing = Path(batch_dir).parent.parent
    data, unexpected, refused = [], [], []
    for p in batch_dir.iterdir():
        if p.name == READY:
            continue
        code = refused_entry(p, landing)
        if code:
            refused.append((p, code))
        elif p.is_file() and rx.fullmatch(p.name):
            data.append(p)
        else:
            unexpected.append(p)
    key = lambda p: _natural_key(p.name)  # noqa: E731
    return BatchFiles(sorted(data, key=key), sorted(unexpected, key=key), sorted(refused, key=lambda r: key(r[0])))
