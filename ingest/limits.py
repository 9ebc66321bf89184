"""The limits ingest applies to deliveries (ingest/limits.yaml): the one loader.

`limits()` reads the file in force (LIMITS) once per process. A file may set only
some keys: the others keep the values of ingest/limits.yaml, where every default
lives (tests point LIMITS at a small file of their own: tests/lake_fixtures.use_limits).
"""

from __future__ import annotations

import functools
from dataclasses import asdict, dataclass
from pathlib import Path

import yaml

DEFAULTS = Path(__file__).with_name("limits.yaml")
LIMITS = DEFAULTS  # the file in force

# Reason codes of what a limit refuses (quarantine summaries, row records).
FILE_TOO_LARGE = "file_too_large"
LINE_TOO_LARGE = "line_too_large"
VALUE_TOO_LARGE = "value_too_large"
ARCHIVE_TOO_LARGE = "archive_too_large"


@dataclass(frozen=True)
class XlsxLimits:
    max_member_bytes: int
    max_total_bytes: int
    max_compression_ratio: float
    ratio_min_bytes: int


@dataclass(frozen=True)
class Limits:
    future_batch_tolerance_days: int
    max_file_bytes: dict[str, int]  # by delivery format
    max_line_bytes: int
    max_value_bytes: dict[str, int]  # "default", "geometry"
    quarantine_prefix_bytes: int
    xlsx: XlsxLimits

    def file_bytes(self, fmt: str) -> int:
        return self.max_file_bytes[fmt]

    def value_bytes(self, column: str, fmt: str) -> int:
        """The limit on one value: the GeoJSON geometry has its own (a district's
        boundary is legitimately megabytes), every other value the default."""
        if fmt == "geojson" and column == "geometry":
            return self.max_value_bytes["geometry"]
        return self.max_value_bytes["default"]

    def for_format(self, fmt: str) -> dict:
        """The limits that decide what of a file of this format loads (part of a
        delivery's identity: changing one re-ingests the batches it applies to)."""
        facts = {
            "max_file_bytes": self.file_bytes(fmt),
            "max_value_bytes": self.max_value_bytes,
            "quarantine_prefix_bytes": self.quarantine_prefix_bytes,
        }
        if fmt in ("csv", "jsonl"):
            facts["max_line_bytes"] = self.max_line_bytes
        if fmt == "xlsx":
            facts["xlsx"] = asdict(self.xlsx)
        return facts


def _merged(base: dict, over: dict) -> dict:
    out = dict(base)
    for k, v in over.items():
        out[k] = _merged(base[k], v) if isinstance(v, dict) and isinstance(base.get(k), dict) else v
    return out


def load(path: Path) -> Limits:
    doc = yaml.safe_load(DEFAULTS.read_text(encoding="utf-8"))
    if Path(path) != DEFAULTS:
        doc = _merged(doc, yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {})
    return Limits(
        future_batch_tolerance_days=int(doc["future_batch_tolerance_days"]),
        max_file_bytes={k: int(v) for k, v in doc["max_file_bytes"].items()},
        max_line_bytes=int(doc["max_line_bytes"]),
        max_value_bytes={k: int(v) for k, v in doc["max_value_bytes"].items()},
        quarantine_prefix_bytes=int(doc["quarantine_prefix_bytes"]),
        xlsx=XlsxLimits(**doc["xlsx"]),
    )


def limits() -> Limits:
    return _loaded(LIMITS)


@functools.cache
def _loaded(path: Path) -> Limits:
    return load(path)
