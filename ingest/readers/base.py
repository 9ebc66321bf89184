"""What every reader shares: the header contract and the per-file context.

A reader turns one delivered file into (a) rows appended to the file's Parquet
part and (b) unreadable rows appended to its quarantine file. It raises
HeaderMismatch or FileUnreadable when the file cannot be loaded at all; the
runner then discards whatever the reader wrote and rejects the file whole.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from govlake.registry import Source
from govlake.settings import Lake
from ingest.parquet import PartWriter
from ingest.quarantine import FileQuarantine
from ingest.results import FileResult


class IntegrityError(RuntimeError):
    """A reader's own check does not add up (a bug, never a delivery's fault): the batch
    fails and nothing is committed, as when the runner's verification fails."""


class FileUnreadable(Exception):
    """The file as a whole cannot be read (not the format it claims, empty, ...)."""

    def facts(self) -> dict:
        """Machine-readable facts for the quarantine summary's entry of the file."""
        return {}


class LimitExceeded(FileUnreadable):
    """The file exceeds a limit of ingest/limits.yaml (its size, its decompressed
    size, a line that cannot be read past): rejected whole, mostly unread."""

    def __init__(self, message: str, *, limit: str, size: int, allowed: int):
        super().__init__(message)
        self.limit, self.size, self.allowed = limit, size, allowed

    def facts(self) -> dict:
        return {"limit": self.limit, "size": self.size, "allowed": self.allowed}


class HeaderMismatch(FileUnreadable):
    """The file's columns differ from the registry: never half-load such a file."""

    def __init__(self, source: Source, file_name: str, found: list[str], *, what: str = "column"):
        self.found = list(found)
        expected = list(source.headers)
        self.missing = [h for h in expected if h not in self.found]
        self.unexpected = [h for h in dict.fromkeys(self.found) if h not in source.headers]
        self.duplicates = sorted({h for h in self.found if self.found.count(h) > 1})
        names = source.headers
        parts = []
        if self.missing:
            parts.append("missing " + ", ".join(f"{h} ({names[h]})" for h in self.missing))
        if self.unexpected:
            parts.append("unexpected " + ", ".join(self.unexpected))
        if self.duplicates:
            parts.append("duplicated " + ", ".join(self.duplicates))
        renamed = self._renamed_hints(expected)
        if renamed:
            parts.append("possibly renamed " + ", ".join(f"{a} → {b}" for a, b in renamed))
        self.detail = "; ".join(parts)
        super().__init__(
            f"{file_name}: {what}s do not match the registry for {source.id} — {self.detail}. "
            f"Expected {what}s: {', '.join(expected)}; found: {', '.join(self.found) or '(none)'}"
        )

    def _renamed_hints(self, expected: list[str]) -> list[tuple[str, str]]:
        # A column that is missing where an unexpected one stands, at the same
        # position, was most likely renamed: say so, it is what stewards ask first.
        hints = []
        for i, h in enumerate(self.found):
            if h in self.unexpected and i < len(expected) and expected[i] in self.missing:
                hints.append((expected[i], h))
        return hints

    def facts(self) -> dict:
        return {
            "missing": self.missing,
            "unexpected": self.unexpected,
            "duplicates": self.duplicates,
            "found": self.found,
        }


def check_header(source: Source, file_name: str, found: list[str], *, what: str = "column") -> dict[str, str]:
    """header -> canonical name for a file whose columns are exactly the registry's.

    Column order may differ from the registry (the mapping is by name); anything
    missing, extra, renamed or duplicated rejects the file.
    """
    names = source.headers
    if len(set(found)) != len(found) or set(found) != set(names):
        raise HeaderMismatch(source, file_name, found, what=what)
    return {h: names[h] for h in found}


class CountingHasher:
    """sha256 fed by a streaming reader as it reads (saves a separate pass over
    a large file); `bytes` tells whether the reader read the file to the end."""

    def __init__(self):
        self._h = hashlib.sha256()
        self.bytes = 0

    def update(self, data: bytes) -> None:
        self._h.update(data)
        self.bytes += len(data)

    def reset(self) -> None:
        """For a reader that starts the file over."""
        self._h = hashlib.sha256()
        self.bytes = 0

    def hexdigest(self) -> str:
        return self._h.hexdigest()


@dataclass
class ReadContext:
    source: Source
    path: Path
    writer: PartWriter
    quarantine: FileQuarantine
    result: FileResult
    hasher: CountingHasher | None = None  # streaming readers feed it the raw bytes
    lake: Lake | None = None  # whose DuckDB settings a reader's queries take (ingest/duck.py)

    @property
    def file_name(self) -> str:
        return self.path.name


def code_columns(source: Source) -> list[str]:
    """Low-cardinality columns, worth dictionary encoding in Parquet."""
    return [c.name for c in source.columns if c.type == "code"]
