"""Raw damage is never silent (issue 12, item 2): a raw part overwritten, truncated,
deleted or joined by a stray file is found against the manifest (ingest/verify.py),
healed from landing when landing still holds the delivery, and otherwise an error that
names the partition — for ingestion, `govlake status`, `govlake verify`, the Airflow
sensor and the dbt build alike."""

from __future__ import annotations

import json
import os
import shutil
from datetime import UTC, datetime, timedelta

import pytest
from typer.testing import CliRunner

import ingest
from conductor.cli import app
from conductor.pipeline import RawDamaged, pending_batches, transform
from govlake import audit
from govlake.registry import load_registry
from ingest.log import read_attempts
from ingest.manifest import sha256_file
from ingest.verify import checksums_due, verify_partition, verify_raw
from tests.lake_fixtures import csv_bytes, household_row, make_batch, overwrite_middle, read_raw, truncate

HJ = load_registry().sources["gaj.household_register"]
BATCH = "2026-10-01"
FILE = "hjrk_20261001.csv"
PART = "part-00000.parquet"
WHERE = f"raw/{HJ.id}/batch={BATCH}"


def delivery(rows: int = 99) -> bytes:
    return csv_bytes(list(HJ.headers), [household_row(i) for i in range(1, rows + 1)], encoding="gb18030")


@pytest.fixture
def committed(lake, landing):
    """One household batch ingested: (its landing directory, its raw rows)."""
    d = make_batch(landing, HJ.id, BATCH, {FILE: delivery()})
    assert ingest.ingest_batch(HJ, d, lake).status == "loaded"
    return d, _rows(lake)


def _rows(lake) -> list[dict]:
    return [{k: v for k, v in r.items() if k != "_ingested_at"} for r in read_raw(lake, HJ.id, BATCH)]


def _part(lake):
    return lake.raw_partition(HJ.id, BATCH) / PART


def test_the_manifest_records_each_parts_bytes_and_sha256(lake, committed):
    manifest = json.loads((lake.raw_partition(HJ.id, BATCH) / "_manifest.json").read_text(encoding="utf-8"))
    digest, size = sha256_file(_part(lake))
    assert manifest["manifest_version"] == 2
    assert manifest["parts"][PART]["bytes"] == size and manifest["parts"][PART]["sha256"] == digest


def test_bytes_overwritten_in_place_are_found_by_checksums_not_sizes(lake, committed):
    overwrite_middle(_part(lake), keep_mtime=True)
    partition = lake.raw_partition(HJ.id, BATCH)
    assert verify_partition(partition) == []  # same size, same mtime: only a hash can tell
    (problem,) = verify_partition(partition, checksums=True)
    assert (problem.kind, problem.part) == ("checksum", PART)
    assert problem.line().startswith(f"{WHERE}: {PART}: sha256 differs")


def test_a_part_written_to_since_its_commit_is_hashed_and_healed_on_the_next_run(lake, committed):
    d, clean = committed
    overwrite_middle(_part(lake))  # size kept, mtime moved
    r = ingest.ingest_batch(HJ, d, lake)
    assert r.status == "replaced" and r.healed == [
        f"{WHERE}: {PART}: sha256 differs from the manifest's (bytes changed in place)"
    ]
    assert "healed, re-ingested from" in r.messages[0]
    assert _rows(lake) == clean


@pytest.mark.parametrize("damage", [truncate, os.remove], ids=["truncated", "deleted"])
def test_a_truncated_or_deleted_part_is_healed_from_landing(lake, landing, committed, damage):
    _, clean = committed
    damage(_part(lake))
    (r,) = ingest.ingest_landing(landing, lake)
    assert r.status == "replaced" and len(r.healed) == 1 and r.healed[0].startswith(f"{WHERE}: {PART}: ")
    assert _rows(lake) == clean
    assert verify_partition(lake.raw_partition(HJ.id, BATCH), checksums=True) == []


def test_damage_with_the_batch_gone_from_landing_fails_naming_the_partition(lake, landing, committed):
    d, _ = committed
    shutil.rmtree(d)
    truncate(_part(lake))
    (r,) = ingest.ingest_landing(landing, lake, sources=[HJ.id])
    assert (r.source_id, r.batch, r.status) == (HJ.id, BATCH, "failed")
    (message,) = r.messages
    assert message.startswith(f"{WHERE}: {PART}: ") and "put the delivery back" in message
    assert read_attempts(lake, HJ.id)[-1]["status"] == "failed"
    audited = [json.loads(line) for f in audit.log_files(lake) for line in f.read_text(encoding="utf-8").splitlines()]
    assert (audited[-1]["action"], audited[-1]["subject"], audited[-1]["outcome"]) == (
        "ingest.batch",
        f"{HJ.id}/{BATCH}",
        "failed",
    )


def test_an_unexpected_file_in_a_partition_is_damage_and_re_ingesting_removes_it(lake, committed):
    d, clean = committed
    shutil.copy(_part(lake), lake.raw_partition(HJ.id, BATCH) / "part-00001.parquet")  # doubles every row
    (problem,) = verify_partition(lake.raw_partition(HJ.id, BATCH))
    assert (problem.kind, problem.part) == ("unexpected", "part-00001.parquet")
    assert ingest.ingest_batch(HJ, d, lake).status == "replaced"
    assert _rows(lake) == clean


def test_checksums_become_due_after_the_configured_days_and_heal_silent_damage(lake, committed):
    d, clean = committed
    partition = lake.raw_partition(HJ.id, BATCH)
    assert not checksums_due(partition)
    manifest_path = partition / "_manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    manifest["ingested_at"] = (datetime.now(UTC) - timedelta(days=8)).isoformat()  # committed 8 days ago
    manifest_path.write_text(json.dumps(manifest), encoding="utf-8")
    overwrite_middle(_part(lake), keep_mtime=True)
    assert checksums_due(partition)
    r = ingest.ingest_batch(HJ, d, lake)
    assert r.status == "replaced" and r.healed and _rows(lake) == clean
    assert not checksums_due(partition)  # the new commit is the last verification


def test_a_clean_checksum_pass_restarts_the_schedule(lake, committed):
    partition = lake.raw_partition(HJ.id, BATCH)
    week_later = datetime.now(UTC) + timedelta(days=8)
    assert checksums_due(partition, now=week_later)
    (v,) = verify_raw(lake, checksums=True)
    assert v.checksummed and v.problems == []
    assert not checksums_due(partition, now=week_later - timedelta(days=1))


def _as_version_1(partition) -> None:
    path = partition / "_manifest.json"
    manifest = json.loads(path.read_text(encoding="utf-8"))
    manifest["manifest_version"] = 1
    del manifest["parts"]
    path.write_text(json.dumps(manifest), encoding="utf-8")


def test_a_version_1_manifest_is_adopted_once_and_guards_from_then_on(lake, committed):
    d, _ = committed
    partition = lake.raw_partition(HJ.id, BATCH)
    _as_version_1(partition)
    r = ingest.ingest_batch(HJ, d, lake)
    assert r.status == "unchanged" and any("manifest version 1" in m for m in r.messages)
    manifest = json.loads((partition / "_manifest.json").read_text(encoding="utf-8"))
    assert manifest["parts"][PART]["sha256"] == sha256_file(_part(lake))[0] and manifest["parts_adopted_at"]
    truncate(_part(lake))
    assert ingest.ingest_batch(HJ, d, lake).healed


def test_a_version_1_part_that_no_longer_matches_its_footer_is_not_adopted(lake, landing, committed):
    partition = lake.raw_partition(HJ.id, BATCH)
    other_lake = type(lake)(lake.home.parent / "other-lake")
    other = ingest.ingest_batch(HJ, make_batch(landing / "other", HJ.id, BATCH, {FILE: delivery(1)}), other_lake)
    shutil.copy(other.partition / PART, _part(lake))  # a part of one row where 99 were committed
    _as_version_1(partition)
    (v,) = verify_raw(lake)
    assert [(p.kind, p.part) for p in v.problems] == [("rows", PART)]
    assert "1 rows, the manifest says 99" in v.problems[0].detail
    assert "parts" not in json.loads((partition / "_manifest.json").read_text(encoding="utf-8"))


def test_the_sensor_counts_a_partition_whose_part_shrank_as_pending(lake, landing, committed):
    assert pending_batches(HJ.id, lake, landing) == []
    truncate(_part(lake))
    assert pending_batches(HJ.id, lake, landing) == [BATCH]


def test_the_sensor_counts_a_damaged_partition_landing_no_longer_holds_as_pending(lake, landing, committed):
    d, _ = committed
    shutil.rmtree(d)
    assert pending_batches(HJ.id, lake, landing) == []
    os.remove(_part(lake))
    assert pending_batches(HJ.id, lake, landing) == [BATCH]  # so the ingest task runs and fails naming it


def test_govlake_verify_refuses_an_unknown_source(lake):
    result = CliRunner().invoke(app, ["verify", "--source", "no.such_source", "--home", str(lake.home)])
    assert result.exit_code == 2 and "no.such_source" in result.output


def test_status_names_a_damaged_partition_and_leaves_its_rows_out(lake, committed):
    os.remove(_part(lake))
    result = CliRunner().invoke(app, ["status", "--home", str(lake.home)], env={"COLUMNS": "200"})
    assert result.exit_code == 1
    assert f"damaged, rows not counted: {WHERE}: {PART}: missing" in result.output
    assert " 99 " not in result.output


def test_govlake_verify_with_checksums_exits_1_naming_the_part(lake, committed):
    overwrite_middle(_part(lake), keep_mtime=True)
    home = str(lake.home)
    assert CliRunner().invoke(app, ["verify", "--home", home], env={"COLUMNS": "200"}).exit_code == 0
    result = CliRunner().invoke(app, ["verify", "--checksums", "--home", home], env={"COLUMNS": "200"})
    assert result.exit_code == 1
    assert f"damaged: {WHERE}: {PART}: sha256 differs" in result.output


def test_a_damage_line_quoting_a_personal_value_leaves_the_lake_masked(lake, committed):
    stray = household_row(7)[0]  # an ID number, as a careless export might name a file
    (lake.raw_partition(HJ.id, BATCH) / f"{stray}.csv").write_text("x", encoding="utf-8")
    for command in (["verify"], ["status"]):
        result = CliRunner().invoke(app, [*command, "--home", str(lake.home)], env={"COLUMNS": "200"})
        assert result.exit_code == 1 and "a file the manifest does not list" in result.output
        assert stray not in result.output


def test_a_full_refresh_is_refused_over_raw_whose_bytes_changed_in_place(lake, committed):
    overwrite_middle(_part(lake), keep_mtime=True)
    with pytest.raises(RawDamaged, match=rf"build refused: {WHERE}: {PART}: sha256 differs"):
        transform(lake, quiet=True, full_refresh=True)
    assert not lake.warehouse.exists()  # refused before dbt opened anything


def test_any_build_is_refused_over_raw_whose_part_is_missing(lake, committed):
    os.remove(_part(lake))
    with pytest.raises(RawDamaged, match=rf"{WHERE}: {PART}: missing"):
        transform(lake, quiet=True)
