"""Findings read from the ingestion's record files, not from the warehouse.

可访问性 (accessibility) is about what could not be read, so its evidence is where ingestion
put it (ingest/README.md): quarantine/<source>/batch=<d>/rows/*.jsonl (one object per
unreadable row, with the reason) and _quarantine.json (files rejected whole: missing,
unexpected or duplicated columns); the raw partition's _manifest.json says how many rows and
files were read. 时效性 (timeliness) compares batch dates with the source's cadence.

These rows are violations themselves, so reading them in Python is what the run does with
violations anyway; their record key is parsed from the quarantined text (CSV by the file's
own column order, JSON by header).
"""

from __future__ import annotations

import csv
import functools
import json
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import yaml

from govlake.registry import Source
from govlake.settings import Lake

ROWS, FILES, LATE, MISSING = "row_readable", "file_readable", "late_batch", "batch_missing"
VOLUME = "snapshot_volume"
VOLUME_CONFIG = Path(__file__).with_name("volume.yaml")
_NAME_IN_PARENS = re.compile(r"\(([a-z][a-z0-9_]*)\)")


@dataclass
class BatchFiles:
    """What ingestion recorded for one batch of one source."""

    batch: str
    manifest: dict | None
    quarantine: dict | None
    rows: list[dict] = field(default_factory=list)

    @property
    def read_rows(self) -> int:
        if not self.manifest:
            return 0
        return sum(f.get("rows_read") or 0 for f in self.manifest.get("files", []) if f.get("status") == "loaded")

    @property
    def files(self) -> int:
        return len(self._delivered)

    @property
    def _delivered(self) -> dict[str, dict]:
        """The delivered files (name -> sha256, bytes): the manifest's when the batch loaded,
        else its quarantine's (a batch rejected whole)."""
        for doc in (self.manifest, self.quarantine):
            if doc and doc.get("delivery", {}).get("files"):
                return doc["delivery"]["files"]
        return {}

    @property
    def rejected_files(self) -> list[str]:
        return [r.get("file") for r in (self.quarantine or {}).get("rejected", [])]

    @property
    def delivered_bytes(self) -> int:
        return sum(f.get("bytes") or 0 for f in self._delivered.values())

    @property
    def rejected_bytes(self) -> int:
        return sum((self._delivered.get(name) or {}).get("bytes") or 0 for name in set(self.rejected_files))

    @property
    def rejected_share(self) -> float:
        """The share of the delivery that was rejected, by bytes (a rejected file's rows are
        unknown; its bytes against the delivery's are the fair proxy): 1 when nothing loaded,
        by files when the rejected entries have no size (refused unread, empty files)."""
        if not self.manifest:
            return 1.0 if self.rejected_files else 0.0
        if self.rejected_bytes:
            return self.rejected_bytes / self.delivered_bytes
        return len(self.rejected_files) / self.files if self.rejected_files and self.files else 0.0


@dataclass(frozen=True)
class Finding:
    source_id: str
    batch: str
    check: str  # row_readable | file_readable | cadence
    column_name: str
    record_key: str
    detail: str
    file: str | None = None
    row_no: int | None = None


def batch_dates(lake: Lake, source: Source) -> list[str]:
    """Every batch ingestion has a record of: committed raw partitions and quarantines
    (a batch rejected whole has only the latter)."""
    found = set()
    for root in (lake.raw / source.id, lake.quarantine / source.id):
        if root.is_dir():
            found |= {p.name.removeprefix("batch=") for p in root.glob("batch=*") if p.is_dir()}
    return sorted(found)


def _json(path: Path) -> dict | None:
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


def read_batch(lake: Lake, source: Source, batch: str) -> BatchFiles:
    q_dir = lake.quarantine_partition(source.id, batch)
    rows = []
    for path in sorted((q_dir / "rows").glob("*.jsonl")):
        with path.open(encoding="utf-8") as fh:
            rows += [json.loads(line) for line in fh if line.strip()]
    return BatchFiles(
        batch, _json(lake.raw_partition(source.id, batch) / "_manifest.json"), _json(q_dir / "_quarantine.json"), rows
    )


def findings(
    source: Source, files: BatchFiles, slots: dict[str, date], previous: BatchFiles | None = None
) -> list[Finding]:
    """Findings of one batch; `slots` maps every known batch of the source to its slot,
    `previous` is the source's latest earlier batch that loaded something."""
    out = [f for row in files.rows for f in _row_finding(source, files, row)]
    for rejected in (files.quarantine or {}).get("rejected", []):
        out += _file_findings(source, files.batch, rejected)
    return out + _calendar_findings(source, files.batch, slots) + _volume_findings(source, files, previous)


@functools.cache
def min_share_of_previous() -> float:
    doc = yaml.safe_load(VOLUME_CONFIG.read_text(encoding="utf-8")) or {}
    return float(doc.get("min_share_of_previous", 0.5))


def _volume_findings(source: Source, files: BatchFiles, previous: BatchFiles | None) -> list[Finding]:
    """完整性 of a full snapshot: it replaces the previous one, so an empty or truncated
    export would empty its library. Only a batch that loaded (has a manifest) replaces
    anything; a batch rejected whole is file_readable's finding."""
    if source.delivery.mode != "full" or not files.manifest:
        return []
    rows, before = files.read_rows, previous.read_rows if previous else 0
    share = min_share_of_previous()
    if rows > 0 and rows >= share * before:
        return []
    detail = f"full snapshot of {rows} rows" + (
        f"; the previous one ({previous.batch}) had {before}, at least {share:.0%} of that expected"
        if previous
        else "; a full snapshot cannot be empty"
    )
    return [Finding(source.id, files.batch, VOLUME, "_batch", "", detail)]


def _calendar_findings(source: Source, batch: str, slots: dict[str, date]) -> list[Finding]:
    """时效性: the batch arrived after the period it is for began (its file name names the
    period: nsr_202609.json is due 2026-09-01). 完整性: the period before it has no batch
    (a daily series with a day missing); the missing period is the finding's key."""
    out = []
    slot = slots.get(batch)
    if slot is None:
        return out
    late = (date.fromisoformat(batch) - slot).days
    if late > 0:
        out.append(
            Finding(
                source.id,
                batch,
                LATE,
                "_batch",
                slot.isoformat(),
                f"delivered {late} days after its period began ({slot.isoformat()})",
            )
        )
    earlier = sorted(s for s in slots.values() if s < slot)
    if earlier:
        expected = next_slot(source, earlier[-1])
        while expected < slot:
            out.append(
                Finding(
                    source.id,
                    batch,
                    MISSING,
                    "_batch",
                    expected.isoformat(),
                    f"no batch for the period beginning {expected.isoformat()} ({source.delivery.cadence} delivery)",
                )
            )
            expected = next_slot(source, expected)
    return out


def slot_of(source: Source, file_name: str) -> date | None:
    """The period a delivered file is for, from the date placeholder of its name."""
    stem, _, ext = source.file.rpartition(".")
    rx = re.escape(stem)
    for placeholder, group in (
        ("YYYYMMDD", r"(?P<day>\d{8})"),
        ("YYYYMM", r"(?P<month>\d{6})"),
        ("YYYYQn", r"(?P<quarter>\d{4}Q[1-4])"),
    ):
        rx = rx.replace(placeholder, group)
    m = re.match(rf"^{rx}(_part\d+)?\.{re.escape(ext)}$", file_name, re.IGNORECASE)
    if not m:
        return None
    try:
        if m.groupdict().get("day"):
            d = m["day"]
            return date(int(d[:4]), int(d[4:6]), int(d[6:]))
        if m.groupdict().get("month"):
            return date(int(m["month"][:4]), int(m["month"][4:]), 1)
        q = m["quarter"]
        return date(int(q[:4]), 3 * (int(q[5]) - 1) + 1, 1)
    except ValueError:
        return None


def next_slot(source: Source, slot: date) -> date:
    cadence = source.delivery.cadence
    if cadence == "daily":
        return date.fromordinal(slot.toordinal() + 1)
    if cadence == "weekly":
        return date.fromordinal(slot.toordinal() + 7)
    months = {"monthly": 1, "quarterly": 3, "yearly": 12}[cadence]
    month = slot.month - 1 + months
    return date(slot.year + month // 12, month % 12 + 1, 1)


def batch_slot(files: BatchFiles, source: Source) -> date | None:
    """The earliest period named by the batch's delivered files."""
    names = set()
    for doc in (files.manifest, files.quarantine):
        names |= set((doc or {}).get("delivery", {}).get("files", {}))
    slots = [s for s in (slot_of(source, n) for n in names) if s is not None]
    return min(slots) if slots else None


def _row_finding(source: Source, files: BatchFiles, row: dict) -> list[Finding]:
    """One finding per column the row lost: the undecodable column, the missing trailing
    columns of a short row; `_row` when the reason names none."""
    reason, detail = row.get("reason") or "unreadable", row.get("detail") or ""
    if reason == "too_few_fields" and "missing" in detail:
        columns = _NAME_IN_PARENS.findall(detail.split("missing", 1)[1])
    elif row.get("column"):
        columns = _NAME_IN_PARENS.findall(row["column"]) or [row["column"]]
    else:
        columns = []
    key = _record_key(source, files, row)
    return [
        Finding(source.id, files.batch, ROWS, c, key, f"{reason}: {detail}", row.get("file"), row.get("row_no"))
        for c in (columns or ["_row"])
    ]


def _file_findings(source: Source, batch: str, rejected: dict) -> list[Finding]:
    name, headers = rejected.get("file"), source.headers
    out = [
        Finding(source.id, batch, FILES, headers.get(h, h), "", f"missing column {h}", name)
        for h in rejected.get("missing", [])
    ]
    out += [
        Finding(source.id, batch, FILES, h, "", f"unexpected column {h}", name) for h in rejected.get("unexpected", [])
    ]
    out += [
        Finding(source.id, batch, FILES, headers.get(h, h), "", f"duplicated column {h}", name)
        for h in rejected.get("duplicates", [])
    ]
    return out or [Finding(source.id, batch, FILES, "_file", "", rejected.get("reason", "rejected"), name)]


def _record_key(source: Source, files: BatchFiles, row: dict) -> str:
    """The key of a quarantined row as delivered, '|'-joined like the truth file; '' where
    the text cannot be split (its key is then unknown, the file and row number still say
    which record it was)."""
    text = row.get("raw_text")
    if not text:
        return ""
    try:
        if source.format in ("json", "jsonl"):
            record = json.loads(text)
            by_name = {source.headers.get(h, h): v for h, v in record.items()}
        elif source.format == "csv":
            values = next(csv.reader([text]))
            by_name = dict(zip(_file_columns(source, files, row.get("file")), values))
        else:
            return ""
    except (ValueError, StopIteration, AttributeError, RecursionError):  # nested too deeply: ingest said so
        return ""
    return "|".join("" if by_name.get(k) is None else str(by_name[k]).strip() for k in source.key)


def _file_columns(source: Source, files: BatchFiles, file_name: str | None) -> list[str]:
    """Column names in the file's own order (the manifest's header mapping), else the registry's."""
    for f in (files.manifest or {}).get("files", []):
        if f.get("name") == file_name and f.get("column_mapping"):
            return list(f["column_mapping"].values())
    return source.column_names
