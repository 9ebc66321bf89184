"""Ingestion in the audit log: one record per batch attempt, the warehouse view over the log, and
what happens when the log cannot be written (docs/audit.md)."""

from __future__ import annotations

import json

from typer.testing import CliRunner

import ingest
from conductor.cli import app
from govlake import audit
from govlake.registry import load_registry
from govlake.warehouse import connect
from tests.lake_fixtures import csv_bytes, household_row, make_batch

HJ = load_registry().sources["gaj.household_register"]
BATCH = "2026-10-01"
FILE = "hjrk_20261001.csv"


def _household(rows: int) -> bytes:
    return csv_bytes(list(HJ.headers), [household_row(i) for i in range(rows)], encoding="gb18030")


def _records(lake, action: str) -> list[dict]:
    lines = [line for f in audit.log_files(lake) for line in f.read_text(encoding="utf-8").splitlines()]
    return [r for r in map(json.loads, lines) if r["action"] == action]


def test_each_ingestion_attempt_appends_one_record_with_its_outcome_and_counts(lake, landing):
    d = make_batch(landing, HJ.id, BATCH, {FILE: _household(3)})
    ingest.ingest_batch(HJ, d, lake)
    ingest.ingest_batch(HJ, d, lake)  # unchanged
    other = make_batch(landing, HJ.id, "2026-10-02", {"something_else.csv": b"a,b\r\n1,2\r\n"})
    ingest.ingest_batch(HJ, other, lake)
    recs = _records(lake, "ingest.batch")
    assert [(r["subject"], r["outcome"]) for r in recs] == [
        (f"{HJ.id}/{BATCH}", "loaded"),
        (f"{HJ.id}/{BATCH}", "unchanged"),
        (f"{HJ.id}/2026-10-02", "rejected"),
    ]
    loaded = recs[0]["details"]
    assert (loaded["rows_read"], loaded["rows_written"], loaded["rows_quarantined"], loaded["files_rejected"]) == (
        3,
        3,
        0,
        0,
    )
    assert recs[2]["details"]["rejected_files"] == ["something_else.csv"]
    assert len({r["details"]["attempt_id"] for r in recs}) == 3


def test_the_warehouse_view_returns_the_records_typed(lake, landing):
    make_batch(landing, HJ.id, BATCH, {FILE: _household(2)})
    ingest.ingest_landing(landing, lake)  # refreshes the ops views at the end
    con = connect(lake, read_only=True)
    try:
        types = dict(con.execute("SELECT column_name, column_type FROM (DESCRIBE ops.audit_log)").fetchall())
        row = con.execute(
            "SELECT seq, action, subject, outcome, CAST(details->>'$.rows_written' AS INTEGER), "
            '"at" <= now() FROM ops.audit_log'
        ).fetchall()
    finally:
        con.close()
    assert types["at"] == "TIMESTAMP WITH TIME ZONE" and types["details"] == "JSON" and types["seq"] == "BIGINT"
    assert row == [(1, "ingest.batch", f"{HJ.id}/{BATCH}", "loaded", 2, True)]


def _unwritable_audit_log(lake) -> None:
    lake.home.mkdir(parents=True, exist_ok=True)
    lake.audit.write_text("not a directory")  # as a full disk or a read-only mount would: an OSError


def test_a_batch_whose_record_cannot_be_written_stays_committed_and_the_command_fails(lake, landing):
    make_batch(landing, HJ.id, BATCH, {FILE: _household(2)})
    _unwritable_audit_log(lake)
    result = CliRunner().invoke(app, ["ingest", "--landing", str(landing), "--home", str(lake.home)])
    assert isinstance(result.exception, audit.AuditError)
    assert f"unrecorded: ingest.batch {HJ.id}/{BATCH}" in str(result.exception)
    assert (lake.raw_partition(HJ.id, BATCH) / "_SUCCESS").exists()  # the outcome stands


def test_a_run_whose_start_cannot_be_recorded_does_not_begin(lake, landing):
    make_batch(landing, HJ.id, BATCH, {FILE: _household(2)})
    _unwritable_audit_log(lake)
    result = CliRunner().invoke(app, ["run", "--landing", str(landing), "--home", str(lake.home)])
    assert isinstance(result.exception, audit.AuditError)
    assert "unrecorded: pipeline.run" in str(result.exception)
    assert not lake.raw.exists()


def test_the_cli_explains_an_unwritable_audit_log_in_one_line(lake, landing):
    import os
    import subprocess
    import sys

    from tests.conftest import REPO

    make_batch(landing, HJ.id, BATCH, {FILE: _household(2)})
    _unwritable_audit_log(lake)
    done = subprocess.run(
        [sys.executable, "-m", "conductor.cli", "ingest", "--landing", str(landing), "--home", str(lake.home)],
        cwd=REPO,
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "300"},
    )
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert "audit log" in done.stderr and "does not go on unaudited" in done.stderr


def test_a_rejected_files_name_is_masked_in_the_log(lake, landing):
    mobile = "13912345678"
    d = make_batch(landing, HJ.id, BATCH, {f"call_{mobile}.csv": b"a\r\n1\r\n"})
    ingest.ingest_batch(HJ, d, lake)
    text = audit.log_files(lake)[0].read_text(encoding="utf-8")
    assert mobile not in text and "139****5678" in text
