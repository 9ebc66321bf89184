"""The ingest log: one small JSON record file per batch attempt.

Why files and not rows in the warehouse: warehouse.duckdb admits one writer, and
dbt plus parallel Airflow ingest tasks would contend for it. Appending a file
needs no lock and cannot fail for someone else's reason. The warehouse exposes
the records as the view `ops.ingest_log` (ingest.ops_views.refresh_ops_views).

Layout: logs/ingest/<source>/<started UTC>_<batch>_<attempt id>.json, each a
single-line JSON object (so DuckDB reads the lot as newline-delimited JSON).
"""

from __future__ import annotations

import json
import logging
import os
import socket
from datetime import datetime
from pathlib import Path

from govlake import audit
from govlake.pii import mask_text
from govlake.settings import Lake
from ingest.results import BatchResult

LOG_DIR = "ingest"
log = logging.getLogger(__name__)

# Column name -> DuckDB type of ops.ingest_log. One place, shared with the view,
# so a record field and the view cannot drift apart.
COLUMNS = {
    "attempt_id": "VARCHAR",
    "source_id": "VARCHAR",
    "batch": "VARCHAR",
    "status": "VARCHAR",
    "started_at": "TIMESTAMPTZ",
    "finished_at": "TIMESTAMPTZ",
    "seconds": "DOUBLE",
    "files": "INTEGER",
    "files_rejected": "INTEGER",
    "rows_read": "BIGINT",
    "rows_written": "BIGINT",
    "rows_quarantined": "BIGINT",
    "partition": "VARCHAR",
    "quarantine": "VARCHAR",
    "messages": "VARCHAR[]",
    "code_version": "VARCHAR",
    "host": "VARCHAR",
    "pid": "INTEGER",
}


def log_dir(lake: Lake) -> Path:
    return lake.logs / LOG_DIR


def write_attempt(
    lake: Lake, result: BatchResult, *, started_at: datetime, finished_at: datetime, code_version: str
) -> Path:
    record = {
        "attempt_id": result.attempt_id,
        "source_id": result.source_id,
        "batch": result.batch,
        "status": result.status,
        "started_at": started_at.isoformat(),
        "finished_at": finished_at.isoformat(),
        "seconds": round(result.seconds, 3),
        "files": result.files,
        "files_rejected": result.files_rejected,
        "rows_read": result.rows_read,
        "rows_written": result.rows_written,
        "rows_quarantined": result.rows_quarantined,
        "partition": str(result.partition) if result.partition else None,
        "quarantine": str(result.quarantine) if result.quarantine else None,
        "messages": [mask_text(m) for m in result.messages],  # a message may quote a delivered row
        "code_version": code_version,
        "host": socket.gethostname(),
        "pid": os.getpid(),
    }
    assert set(record) == set(COLUMNS), "log record and ops.ingest_log columns differ"
    directory = log_dir(lake) / result.source_id
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{started_at:%Y%m%dT%H%M%S%fZ}_{result.batch}_{result.attempt_id}.json"
    tmp = directory / f".{path.name}.tmp"
    # No fsync: a log record lost to a power cut costs nothing the lake depends on.
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(json.dumps(record, ensure_ascii=False) + "\n")
    os.replace(tmp, path)  # a reader of the glob never sees half a record
    return path


def record_attempt(
    lake: Lake, result: BatchResult, *, started_at: datetime, finished_at: datetime, code_version: str
) -> None:
    """An attempt's two records: the ingest log's (best effort: it costs the lake nothing
    to lose) and the audit log's (raises govlake.audit.AuditError: see docs/audit.md)."""
    try:
        write_attempt(lake, result, started_at=started_at, finished_at=finished_at, code_version=code_version)
    except OSError as e:
        log.error("%s %s: could not write the ingest log record: %s", result.source_id, result.batch, e)
    audit.record(
        lake,
        "ingest.batch",
        subject=f"{result.source_id}/{result.batch}",
        outcome=result.status,
        details=result.audit_details(),
    )


def read_attempts(lake: Lake, source_id: str | None = None) -> list[dict]:
    """All records (oldest first), for tests and the CLI without a warehouse."""
    root = log_dir(lake)
    pattern = f"{source_id}/*.json" if source_id else "*/*.json"
    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted(root.glob(pattern), key=lambda p: p.name)]
