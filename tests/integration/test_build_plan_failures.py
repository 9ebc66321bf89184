"""The pipeline build after a failed build (transform.build_plan, real dbt): it forgets its
ledger, so the next build runs every model, and a later complete build records one again."""

from __future__ import annotations

import pytest

from transform.build_plan import build, plan_build, read_ledger

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    from govlake.settings import Lake
    from ingest import ingest_landing
    from synth import generate_city

    root = tmp_path_factory.mktemp("plan")
    generate_city(root / "landing", persons=300, seed=5, defect_rate=0.0)
    lake = Lake(root / "lake")
    ingest_landing(root / "landing", lake)
    first = build(lake, quiet=True)
    assert first["success"], first
    return lake, first


def test_the_first_build_runs_every_model_and_records_its_raw_layer(built):
    lake, first = built
    assert first["plan"]["select"] is None
    assert plan_build(lake).nothing_new


def test_a_failed_build_is_followed_by_a_build_of_every_model(built):
    lake, _ = built
    broken = lake.raw_partition("scjg.enterprise_register", "2099-01-01") / "part-00000.parquet"
    broken.parent.mkdir(parents=True)
    broken.write_bytes(b"not a parquet file")
    failed = build(lake, quiet=True)
    assert not failed["success"]
    assert failed["plan"]["select"] == ["source:scjg.enterprise_register+"]
    assert read_ledger(lake) == {}

    broken.unlink()
    broken.parent.rmdir()
    again = build(lake, quiet=True)
    assert again["plan"]["select"] is None and again["success"], again
    assert plan_build(lake).nothing_new
