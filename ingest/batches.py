"""The landing zone: which batches are complete and which files a batch holds.

landing/<source id>/<YYYY-MM-DD>/<files> ; a batch is complete once the sender
has written `_READY` (last). Files that match the source's file pattern are data;
anything else in the directory is rejected to quarantine with a reason.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from govlake.registry import Source

log = logging.getLogger(__name__)

READY = "_READY"
_DATE_DIR = re.compile(r"^\d{4}-\d{2}-\d{2}$")


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
    """Batch directories of `source` that hold `_READY`, sorted by date."""
    return [d for d in batch_dirs(landing, source) if is_complete(d)]


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
