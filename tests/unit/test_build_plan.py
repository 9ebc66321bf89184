"""The pipeline build's scope (transform.build_plan): what new raw data reaches, else every model."""

from __future__ import annotations

import os
import shutil

import duckdb
import pytest

from transform.build_plan import (
    LEDGER,
    PROJECT_KEY,
    build,
    fingerprints,
    plan_build,
    project_fingerprint,
    read_ledger,
    write_ledger,
)
from transform.dbt_runner import DBT_PROJECT


def _deliver(lake, source_id: str, batch: str, content: bytes = b"PAR1 rows PAR1") -> None:
    part = lake.raw_partition(source_id, batch) / "part-00000.parquet"
    part.parent.mkdir(parents=True, exist_ok=True)
    part.write_bytes(content)


@pytest.fixture
def built_lake(lake):
    """A lake whose warehouse recorded a complete build of two delivered batches."""
    _deliver(lake, "gaj.household_register", "2026-10-01")
    _deliver(lake, "scjg.enterprise_register", "2026-10-01")
    duckdb.connect(str(lake.warehouse)).close()
    write_ledger(lake, fingerprints(lake))
    return lake


def test_a_warehouse_without_a_recorded_build_builds_every_model(lake):
    _deliver(lake, "gaj.household_register", "2026-10-01")
    plan = plan_build(lake)
    assert plan.select is None and "no complete build" in plan.reason


def test_nothing_is_built_when_no_raw_data_changed(built_lake):
    plan = plan_build(built_lake)
    assert plan.nothing_new and plan.changed_sources == []


def test_a_new_batch_selects_its_source_and_everything_downstream(built_lake):
    _deliver(built_lake, "scjg.enterprise_register", "2026-10-02")
    plan = plan_build(built_lake)
    assert plan.select == ["source:scjg.enterprise_register+"]
    assert plan.changed_sources == ["scjg.enterprise_register"]


def test_a_redelivered_batch_counts_as_changed(built_lake):
    part = built_lake.raw_partition("gaj.household_register", "2026-10-01") / "part-00000.parquet"
    st = part.stat()
    part.write_bytes(b"PAR1 other rows PAR1")
    os.utime(part, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000))
    assert plan_build(built_lake).changed_sources == ["gaj.household_register"]


def test_a_removed_batch_counts_as_changed(built_lake):
    shutil.rmtree(built_lake.raw_partition("gaj.household_register", "2026-10-01"))
    assert plan_build(built_lake).changed_sources == ["gaj.household_register"]


def test_a_changed_dbt_project_builds_every_model(built_lake):
    with duckdb.connect(str(built_lake.warehouse)) as con:
        con.execute(f"update {LEDGER} set fingerprint = 'an older project' where name = ?", [PROJECT_KEY])
    plan = plan_build(built_lake)
    assert plan.select is None and "project changed" in plan.reason


def test_full_refresh_and_every_model_build_every_model(built_lake):
    _deliver(built_lake, "scjg.enterprise_register", "2026-10-02")
    assert plan_build(built_lake, full_refresh=True).select is None
    assert plan_build(built_lake, every_model=True).select is None


def test_a_forgotten_ledger_builds_every_model_next(built_lake):
    write_ledger(built_lake, None)
    assert read_ledger(built_lake) == {}
    assert plan_build(built_lake).select is None


def test_a_build_with_nothing_new_does_not_run_dbt(built_lake):
    result = build(built_lake)
    assert result["success"] and result["args"] == [] and result["plan"]["select"] == []


def test_the_project_fingerprint_follows_what_dbt_builds_from(tmp_path):
    copy = tmp_path / "dbt_project"
    shutil.copytree(DBT_PROJECT, copy, ignore=shutil.ignore_patterns("target", "logs", "dbt_packages"))
    assert project_fingerprint(copy) == project_fingerprint(DBT_PROJECT)
    (copy / "target").mkdir()
    (copy / "target" / "manifest.json").write_text("{}")
    assert project_fingerprint(copy) == project_fingerprint(DBT_PROJECT)
    (copy / "README.md").write_text("an edited README")
    assert project_fingerprint(copy) == project_fingerprint(DBT_PROJECT)
    macro = copy / "macros" / "cross_db" / "run_timestamp.sql"
    macro.write_text(macro.read_text() + "\n")
    assert project_fingerprint(copy) != project_fingerprint(DBT_PROJECT)
