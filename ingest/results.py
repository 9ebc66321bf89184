"""Result records of an ingestion attempt: per file and per batch.

Plain dataclasses so the CLI, the DAGs and the log writer can all serialise them
without importing the readers.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Literal

Status = Literal["loaded", "replaced", "unchanged", "rejected", "incomplete", "failed"]

# How many row-level messages one file contributes to BatchResult.messages; the
# quarantine partition keeps every row, so the summary only needs to be readable.
MAX_ROW_MESSAGES_PER_FILE = 20


@dataclass
class FileResult:
    """What happened to one file of a batch."""

    name: str
    status: Literal["loaded", "rejected"] = "loaded"
    sha256: str = ""
    bytes: int = 0
    format: str = ""
    encoding: str | None = None
    bom: bool = False
    part: str | None = None  # part-NNNNN.parquet inside the partition
    rows_read: int = 0
    rows_written: int = 0
    rows_quarantined: int = 0
    blank_rows_skipped: int = 0
    column_mapping: dict[str, str] = field(default_factory=dict)  # header in the file -> canonical name
    reason: str | None = None  # why the whole file was rejected
    notes: list[str] = field(default_factory=list)  # lossless side facts (e.g. 1904 date system)
    seconds: float = 0.0
    # The first few quarantined rows, for human-readable messages (not serialised:
    # the quarantine partition holds them all).
    quarantine_examples: list[dict] = field(default_factory=list, repr=False)

    def to_dict(self) -> dict:
        d = asdict(self)
        d.pop("quarantine_examples")
        return d


@dataclass
class BatchResult:
    source_id: str
    batch: str
    status: Status
    files: int = 0
    rows_read: int = 0
    rows_written: int = 0
    rows_quarantined: int = 0
    files_rejected: int = 0
    messages: list[str] = field(default_factory=list)
    partition: Path | None = None
    quarantine: Path | None = None
    seconds: float = 0.0
    attempt_id: str = ""
    file_results: list[FileResult] = field(default_factory=list)
    # What was wrong with the raw partition this attempt re-ingested from landing.
    healed: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when the batch is in the lake as delivered (possibly minus quarantined rows)."""
        return self.status in ("loaded", "replaced", "unchanged")

    def to_dict(self) -> dict:
        d = asdict(self)
        d["file_results"] = [f.to_dict() for f in self.file_results]
        d["partition"] = str(self.partition) if self.partition else None
        d["quarantine"] = str(self.quarantine) if self.quarantine else None
        return d

    def audit_details(self) -> dict:
        """What the audit log keeps of the attempt: counts and what was turned away, not messages."""
        rejected = [f.name for f in self.file_results if f.status == "rejected"]
        details = {
            "attempt_id": self.attempt_id,
            **{
                k: getattr(self, k)
                for k in ("files", "files_rejected", "rows_read", "rows_written", "rows_quarantined")
            },
            "rejected_files": rejected[:MAX_ROW_MESSAGES_PER_FILE],
        }
        if self.status in ("failed", "rejected") and self.messages:
            details["reason"] = (self.messages[-1] if self.status == "failed" else self.messages[0])[:500]
        return details

    def summary(self) -> str:
        return (
            f"{self.source_id} {self.batch}: {self.status} — {self.files} file(s), "
            f"{self.rows_read} read, {self.rows_written} written, {self.rows_quarantined} quarantined, "
            f"{self.files_rejected} file(s) rejected ({self.seconds:.2f}s)"
        )
