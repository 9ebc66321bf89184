"""The clean sample delivery (written outside the project) lands whole.

Every row of every file is in raw, nothing is quarantined, counted against the
source files by an independent reader (Python's csv/json, openpyxl), and a
second run changes nothing.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest
from openpyxl import load_workbook

import ingest
from govlake.registry import load_registry
from govlake.settings import Lake
from govlake.warehouse import connect
from ingest.batches import READY, classify_files
from ingest.log import read_attempts
from tests.lake_fixtures import tree_state

CLEAN = Path(__file__).resolve().parents[1] / "fixtures" / "clean-city"
REG = load_registry()
LINEAGE = ["_batch", "_file", "_row_no", "_ingested_at"]


def independent_count(source, path: Path) -> int:
    """Records in a delivered file, counted without the project's readers."""
    if source.format == "csv":
        text = path.read_bytes().decode("utf-8-sig" if source.encoding != "gb18030" else "gb18030")
        return sum(1 for row in list(csv.reader(io.StringIO(text)))[1:] if row)
    if source.format == "jsonl":
        return sum(1 for line in path.read_text(encoding="utf-8").splitlines() if line.strip())
    if source.format == "json":
        return len(json.loads(path.read_text(encoding="utf-8")))
    if source.format == "geojson":
        return len(json.loads(path.read_text(encoding="utf-8"))["features"])
    ws = load_workbook(path, read_only=True)[source.sheet]
    return sum(1 for row in ws.iter_rows(min_row=2, values_only=True) if any(v not in (None, "") for v in row))


@pytest.fixture(scope="module")
def landed(tmp_path_factory):
    landing = tmp_path_factory.mktemp("landing")
    shutil.copytree(CLEAN, landing, dirs_exist_ok=True)
    lake = Lake.from_env(tmp_path_factory.mktemp("lake"))
    results = ingest.ingest_landing(landing, lake)
    return landing, lake, results


def test_every_batch_loads_and_nothing_is_quarantined(landed):
    landing, lake, results = landed
    batches = [d for s in CLEAN.iterdir() if s.is_dir() for d in s.iterdir() if (d / READY).exists()]
    assert len(results) == len(batches) == 38
    assert {r.status for r in results} == {"loaded"}, [r.summary() for r in results if r.status != "loaded"]
    assert sum(r.rows_quarantined for r in results) == 0
    assert sum(r.files_rejected for r in results) == 0
    assert not any(r.messages for r in results)
    assert not lake.quarantine.exists() or not any(lake.quarantine.rglob("*.jsonl"))
    assert sum(r.rows_written for r in results) == 3438  # shared/samples/README.md: 3,438 rows


def test_row_counts_match_the_source_files(landed):
    landing, lake, results = landed
    con = duckdb.connect()
    try:
        for sdir in sorted(p for p in landing.iterdir() if p.is_dir()):
            source = REG.sources[sdir.name]
            for bdir in sorted(sdir.iterdir()):
                part = lake.raw_partition(source.id, bdir.name)
                counted = dict(
                    con.execute(
                        f"SELECT _file, count(*) FROM read_parquet('{part}/part-*.parquet') GROUP BY _file"
                    ).fetchall()
                )
                for f in classify_files(bdir, source).data:
                    assert counted.get(f.name, 0) == independent_count(source, f), (source.id, f.name)
    finally:
        con.close()


def test_schema_is_registry_columns_plus_lineage_all_text(landed):
    _, lake, results = landed
    for r in results:
        for part in sorted(r.partition.glob("part-*.parquet")):
            schema = pq.read_schema(part)
            source = REG.sources[r.source_id]
            assert schema.names == source.column_names + LINEAGE
            assert all(str(schema.field(c).type) == "string" for c in source.column_names)
            # plain Parquet types, read the same by every engine (no Arrow-only hints)
            assert [str(schema.field(c).type) for c in LINEAGE] == [
                "string",
                "string",
                "int64",
                "timestamp[us, tz=UTC]",
            ]
            assert b"ARROW:schema" not in (schema.metadata or {})
            assert schema.metadata[b"govlake.source"].decode() == source.id


def test_chinese_text_and_raw_values_are_intact(landed):
    _, lake, _ = landed
    con = duckdb.connect()
    try:
        raw = str(lake.raw)
        hj = con.execute(
            f"SELECT id_no, name, address, mobile, _row_no FROM read_parquet('{raw}/gaj.household_register/"
            "batch=2026-10-01/*.parquet') ORDER BY _row_no LIMIT 2"
        ).fetchall()
        # first two records of hjrk_20261001.csv (GB18030): empty field stays ''
        assert hj == [
            ("372323194007117178", "叶帅", "山东省滨州市阳信县市中镇后东村174号", "14255563659", 1),
            ("372323194306186042", "沈娟倩", "山东省滨州市阳信县市中镇后东村174号", "", 2),
        ]
        parcel = con.execute(
            f"SELECT area_m2, owner_name, geometry FROM read_parquet('{raw}/zrzy.land_parcel/"
            "batch=2026-07-01/*.parquet') WHERE _row_no = 1"
        ).fetchall()[0]
        assert parcel[0] == "10874.08" and parcel[1] is None  # JSON number text; JSON null -> NULL
        assert parcel[2].startswith('{"type":"Polygon","coordinates":[[[118.0186479,37.2193923],')
        tax = con.execute(
            f"SELECT rating_year FROM read_parquet('{raw}/swj.taxpayer/batch=2026-09-01/*.parquet') WHERE _row_no = 1"
        ).fetchall()
        assert tax == [("2024",)]
        reg_date = con.execute(
            f"SELECT reg_date FROM read_parquet('{raw}/mzj.marriage_register/batch=2026-09-01/"
            "*.parquet') WHERE _row_no = 1"
        ).fetchall()
        assert reg_date == [("46253",)]  # an Excel date cell: its serial number text (2026-08-19)
    finally:
        con.close()


def test_manifest_and_success_in_every_partition(landed):
    _, lake, results = landed
    for r in results:
        assert (r.partition / "_SUCCESS").exists()
        m = json.loads((r.partition / "_manifest.json").read_text(encoding="utf-8"))
        assert m["source"] == r.source_id and m["batch"] == r.batch
        assert m["totals"]["rows_read"] == m["totals"]["rows_written"] + m["totals"]["rows_quarantined"]
        for f in m["files"]:
            assert len(f["sha256"]) == 64 and f["bytes"] > 0 or f["rows_read"] == 0
            assert set(f["column_mapping"].values()) == set(REG.sources[r.source_id].column_names)
        assert m["ingest_code_version"] and m["timings"]


def test_a_second_run_changes_nothing(landed):
    landing, lake, _ = landed
    before = tree_state(lake.raw)
    again = ingest.ingest_landing(landing, lake)
    assert {r.status for r in again} == {"unchanged"}
    assert tree_state(lake.raw) == before


def test_ops_view_over_the_ingest_log(landed):
    _, lake, _ = landed
    con = connect(lake, read_only=True)
    try:
        rows = dict(con.execute("SELECT status, count(*) FROM ops.ingest_log GROUP BY status").fetchall())
    finally:
        con.close()
    assert rows["loaded"] == 38


def test_parallel_workers_land_the_same(landed, tmp_path):
    landing, lake, results = landed
    other = Lake.from_env(tmp_path / "lake2")
    seen = []
    parallel = ingest.ingest_landing(landing, other, workers=2, progress=seen.append)
    assert [(r.source_id, r.batch, r.status, r.rows_written) for r in parallel] == [
        (r.source_id, r.batch, "loaded", r.rows_written) for r in results
    ]
    assert len(seen) == len(parallel)
    assert len(read_attempts(other)) == len(parallel)
