"""The gate's decision on batch-level findings (quality/gate.py decide), on a real DuckDB."""

from __future__ import annotations

from datetime import datetime

import duckdb
import pytest

from quality.gate import decide
from quality.store import ensure_schema, insert_rows

SOURCE = "rsj.social_insurance"
VOLUME = f"completeness.snapshot_volume.{SOURCE}._batch"
READABLE = f"accessibility.row_readable.{SOURCE}._row"


@pytest.fixture
def con():
    con = duckdb.connect()
    ensure_schema(con)
    yield con
    con.close()


def _result(
    con, rule_id: str, dimension: str, checked: int, failed: int, source: str = SOURCE, batch: str = "2026-10-01"
) -> None:
    row = ("r1", rule_id, source, batch, dimension, "blocking", checked, failed, None, datetime(2026, 10, 1))
    insert_rows(
        con,
        "quality.rule_results",
        ("run_id", "rule_id", "source_id", "batch", "dimension", "severity", "checked", "failed", "pass_rate")
        + ("evaluated_at",),
        [row],
    )


def test_a_batch_with_a_blocking_batch_finding_is_held_whatever_its_row_share(con):
    _result(con, READABLE, "accessibility", 0, 0)
    _result(con, VOLUME, "completeness", 1, 1)
    detail = "full snapshot of 0 rows; the previous one (2026-09-01) had 31855, at least 50% of that expected"
    insert_rows(
        con,
        "quality.violations",
        ("run_id", "source_id", "batch", "record_key", "column_name", "rule_id", "dimension", "severity", "detail"),
        [("r1", SOURCE, "2026-10-01", "", "_batch", VOLUME, "completeness", "blocking", detail)],
    )
    (decision,) = decide(con)
    assert not decision.passed
    assert VOLUME in decision.reasons and "0 rows" in decision.reasons


def test_a_batch_without_batch_findings_is_judged_by_its_row_share(con):
    _result(con, READABLE, "accessibility", 100, 0)
    _result(con, VOLUME, "completeness", 1, 0)
    (decision,) = decide(con)
    assert decision.passed and decision.reasons == ""


def _rejected_file(con, source_id: str, batch: str) -> None:
    _result(con, f"accessibility.file_readable.{source_id}._file", "accessibility", 1, 1, source_id, batch)


def _clean(con, source_id: str, batch: str) -> None:
    _result(con, f"accessibility.row_readable.{source_id}._row", "accessibility", 100, 0, source_id, batch)


def test_a_superseded_full_snapshot_is_not_judged(con):
    _rejected_file(con, SOURCE, "2026-09-01")  # rsj.social_insurance delivers full snapshots
    _clean(con, SOURCE, "2026-10-01")
    assert [(d.batch, d.passed) for d in decide(con)] == [("2026-10-01", True)]


def test_every_increment_is_judged(con):
    deaths = "wjw.death_record"  # increments: an earlier batch's rows are still current
    _rejected_file(con, deaths, "2026-09-30")
    _clean(con, deaths, "2026-10-01")
    assert [(d.batch, d.passed) for d in decide(con)] == [("2026-09-30", False), ("2026-10-01", True)]
