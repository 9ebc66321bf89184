"""A quality rule: what it checks, where, how bad a failure is, and the SQL that finds failures.

Rules come from two places and look the same afterwards: generated from the source
registry's column constraints (quality/generated.py) and written out in quality/rules.yaml
for the registry's `rules:` sentences (quality/explicit.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from quality.dimensions import DIMENSIONS, SEVERITIES

# How many rows a rule checked in a batch (for pass_rate):
#   rows           every staged row of the batch
#   keyed_rows     staged rows plus the rows staging rejected (key rules see both)
#   present:<col>  staged rows where <col> was delivered (not blank)
#   read_rows      rows read from the delivered files (accessibility of rows)
#   files          files delivered in the batch (accessibility of files)
#   batches        one per batch (timeliness)
CHECKED_KINDS = ("rows", "keyed_rows", "present", "read_rows", "files", "batches")


@dataclass(frozen=True)
class Rule:
    id: str  # <dimension>.<check>.<source>.<column>, stable across runs
    dimension: str
    check: str
    source: str
    column: str  # registry column; '|'-joined key columns; _row / _file / _batch for whole rows, files, batches
    severity: str
    message_zh: str
    message_en: str
    # A SELECT of the failing rows with columns _batch, _file, _row_no, record_key,
    # observed (already masked), detail; its WHERE holds {batch_filter}. None for rules
    # whose findings are read from files in Python (accessibility, timeliness).
    sql: str | None
    checked: str = "rows"
    origin: str = "registry"  # registry | rules.yaml
    registry_rule: str | None = None  # the registry `rules:` sentence an explicit rule implements

    def __post_init__(self) -> None:
        if self.dimension not in DIMENSIONS:
            raise ValueError(f"{self.id}: unknown dimension {self.dimension!r}")
        if self.severity not in SEVERITIES:
            raise ValueError(f"{self.id}: unknown severity {self.severity!r}")
        kind = self.checked.split(":", 1)[0]
        if kind not in CHECKED_KINDS:
            raise ValueError(f"{self.id}: unknown checked kind {self.checked!r}")
        expected = f"{self.dimension}.{self.check}.{self.source}.{self.column}"
        if self.id != expected:
            raise ValueError(f"rule id {self.id!r} should be {expected!r}")
