"""A dbt build that fails under real dbt raises an exception naming the failing model and why
(transform/failures.py): what the dbt_build task's log and its failure notification show."""

import pytest

from govlake.settings import Lake
from transform.dbt_runner import run_dbt
from transform.failures import DbtBuildFailed, build_failure

pytestmark = pytest.mark.slow

SOURCE, MODEL = "scjg.enterprise_register", "stg_scjg__enterprise_register"


def test_a_staging_model_failing_on_a_broken_raw_file_is_named_with_dbts_reason(tmp_path):
    lake = Lake(tmp_path / "lake")
    broken = lake.raw_partition(SOURCE, "2026-10-01") / "part-00000.parquet"
    broken.parent.mkdir(parents=True)
    broken.write_bytes(b"not a parquet file")
    result = run_dbt(lake, "build", select=[MODEL], quiet=True)

    failure = build_failure(result.as_dict())
    assert isinstance(failure, DbtBuildFailed)
    (node,) = failure.nodes
    assert node["unique_id"] == f"model.govlake.{MODEL}" and node["status"] == "error"
    assert "No magic bytes found" in node["reason"] and str(broken) in node["reason"]
    assert f"model.govlake.{MODEL} (error): {node['reason']}" in str(failure).splitlines()
