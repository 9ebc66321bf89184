"""Accessibility and calendar findings read from ingestion's record files (quality/files.py)."""

import json
from datetime import date

import pytest

from govlake.registry import load_registry
from quality import files as qf


@pytest.fixture(scope="module")
def registry():
    return load_registry()


@pytest.mark.parametrize(
    "source_id,name,slot",
    [
        ("gaj.household_register", "hjrk_20260930.csv", date(2026, 9, 30)),
        ("gaj.household_register", "hjrk_20260930_part2.csv", date(2026, 9, 30)),
        ("swj.taxpayer", "nsr_202609.json", date(2026, 9, 1)),
        ("zrzy.land_parcel", "zd_2026Q4.geojson", date(2026, 10, 1)),
        ("swj.taxpayer", "notes.txt", None),
    ],
)
def test_the_period_a_file_is_for_comes_from_its_name(registry, source_id, name, slot):
    assert qf.slot_of(registry.source(source_id), name) == slot


def test_next_period_follows_the_cadence(registry):
    assert qf.next_slot(registry.source("gaj.household_register"), date(2026, 12, 31)) == date(2027, 1, 1)
    assert qf.next_slot(registry.source("swj.taxpayer"), date(2026, 12, 1)) == date(2027, 1, 1)
    assert qf.next_slot(registry.source("zrzy.land_parcel"), date(2026, 10, 1)) == date(2027, 1, 1)


def test_a_batch_delivered_after_its_period_began_is_late(registry):
    src = registry.source("swj.taxpayer")
    slots = {"2026-08-01": date(2026, 8, 1), "2026-09-04": date(2026, 9, 1)}
    found = qf._calendar_findings(src, "2026-09-04", slots)
    assert [(f.check, f.record_key) for f in found] == [("late_batch", "2026-09-01")]


def test_a_missing_period_is_reported_on_the_batch_after_the_gap(registry):
    src = registry.source("wjw.death_record")
    slots = {"2026-09-30": date(2026, 9, 30), "2026-10-02": date(2026, 10, 2)}
    found = qf._calendar_findings(src, "2026-10-02", slots)
    assert [(f.check, f.record_key) for f in found] == [("batch_missing", "2026-10-01")]
    assert qf._calendar_findings(src, "2026-09-30", slots) == []


def test_quarantined_rows_are_findings_with_the_record_key_and_lost_columns(registry):
    src = registry.source("rsj.social_insurance")
    manifest = {
        "files": [
            {
                "name": "sbcb_202609.csv",
                "status": "loaded",
                "rows_read": 10,
                "column_mapping": {h: n for h, n in src.headers.items()},
            }
        ]
    }
    rows = [
        {
            "file": "sbcb_202609.csv",
            "row_no": 3,
            "column": "姓名 (name)",
            "reason": "undecodable",
            "detail": "bytes not valid gb18030",
            "raw_text": "372301196107048182,文�芳,120,,2,,20260209",
        },
        {
            "file": "sbcb_202609.csv",
            "row_no": 7,
            "column": None,
            "reason": "too_few_fields",
            "detail": "expected 7 fields, found 6; missing 参保日期 (enrolled_on)",
            "raw_text": '"372328199206084692",何军,210,91371602MAUUD51L13,1,13089.01',
        },
    ]
    batch = qf.BatchFiles("2026-09-01", manifest, None, rows)
    found = qf.findings(src, batch, {})
    assert [(f.check, f.record_key, f.column_name, f.row_no) for f in found] == [
        ("row_readable", "372301196107048182|120", "name", 3),
        ("row_readable", "372328199206084692|210", "enrolled_on", 7),
    ]
    assert batch.read_rows == 10


def test_a_quarantined_json_lines_record_nested_too_deeply_is_a_finding_without_a_key(registry):
    """Ingestion quarantines such a record (too_deeply_nested); reading its key back must not
    fail the quality run (it raised RecursionError on every run)."""
    src = registry.source("dsj.e_licence")
    row = {
        "file": "dzzz_20261001.jsonl",
        "row_no": 2,
        "column": None,
        "reason": "too_deeply_nested",
        "detail": "nested deeper than the limit",
        "raw_text": "[" * 100_000 + "]" * 100_000,
    }
    found = qf.findings(src, qf.BatchFiles("2026-10-01", None, None, [row]), {})
    assert [(f.check, f.record_key, f.row_no) for f in found] == [("row_readable", "", 2)]


def test_a_rejected_file_gives_one_finding_per_column_that_differs(registry, tmp_path):
    src = registry.source("zrzy.standard_address")
    quarantine = {
        "delivery": {"files": {"bzdz_202610.csv": {}}},
        "rejected": [
            {
                "file": "bzdz_202610.csv",
                "reason": "columns do not match",
                "missing": ["经度"],
                "unexpected": ["备注"],
                "duplicates": [],
            }
        ],
    }
    found = qf.findings(src, qf.BatchFiles("2026-10-01", None, quarantine, []), {})
    assert [(f.check, f.column_name, f.file, f.record_key) for f in found] == [
        ("file_readable", "lon", "bzdz_202610.csv", ""),
        ("file_readable", "备注", "bzdz_202610.csv", ""),
    ]


def test_read_batch_finds_manifest_quarantine_and_rows(registry, tmp_path):
    from govlake.settings import Lake

    lake = Lake(tmp_path)
    src = registry.source("scjg.patent")
    raw = lake.raw_partition(src.id, "2026-09-01")
    q = lake.quarantine_partition(src.id, "2026-09-01")
    (q / "rows").mkdir(parents=True)
    raw.mkdir(parents=True)
    (raw / "_manifest.json").write_text(json.dumps({"delivery": {"files": {"zl_202609.csv": {}}}, "files": []}))
    (q / "rows" / "zl_202609.csv.jsonl").write_text(json.dumps({"reason": "too_few_fields"}) + "\n")
    batch = qf.read_batch(lake, src, "2026-09-01")
    assert batch.files == 1 and len(batch.rows) == 1
    assert qf.batch_dates(lake, src) == ["2026-09-01"]
    assert qf.batch_slot(batch, src) == date(2026, 9, 1)


def _loaded(batch: str, rows: int) -> qf.BatchFiles:
    manifest = {"files": [{"name": "f", "status": "loaded", "rows_read": rows}]}
    return qf.BatchFiles(batch, manifest, None)


def test_an_empty_full_snapshot_is_a_volume_finding(registry):
    src = registry.source("rsj.social_insurance")  # delivery mode: full
    found = qf.findings(src, _loaded("2026-10-01", 0), {}, previous=_loaded("2026-09-01", 31855))
    assert [(f.check, f.column_name) for f in found] == [("snapshot_volume", "_batch")]
    assert "0 rows" in found[0].detail and "31855" in found[0].detail


def test_a_full_snapshot_under_half_the_previous_one_is_a_volume_finding(registry):
    src = registry.source("rsj.social_insurance")
    assert qf.findings(src, _loaded("2026-10-01", 15000), {}, previous=_loaded("2026-09-01", 31855))
    assert qf.findings(src, _loaded("2026-10-01", 31000), {}, previous=_loaded("2026-09-01", 31855)) == []


def test_the_first_full_snapshot_is_checked_only_for_being_empty(registry):
    src = registry.source("rsj.social_insurance")
    assert [f.check for f in qf.findings(src, _loaded("2026-08-01", 0), {})] == ["snapshot_volume"]
    assert qf.findings(src, _loaded("2026-08-01", 3), {}) == []


def test_an_increment_may_be_empty(registry):
    src = registry.source("wjw.death_record")  # delivery mode: incremental
    assert src.delivery.mode == "incremental"
    assert qf.findings(src, _loaded("2026-10-02", 0), {}, previous=_loaded("2026-10-01", 12)) == []
