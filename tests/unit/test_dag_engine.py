"""The transform DAG's dbt engine comes from orchestration.yaml (`dbt.engine`)."""

import pytest

from conductor.dag_factory import dbt_engine, load_config


def test_the_dags_build_on_duckdb_unless_configured_otherwise():
    assert dbt_engine(load_config()) == "duckdb"
    assert dbt_engine({"start_date": "2026-01-01"}) == "duckdb"


def test_the_configured_engine_is_the_one_the_build_runs_on():
    assert dbt_engine({"dbt": {"engine": "spark"}}) == "spark"


def test_an_unknown_engine_is_refused_naming_the_setting():
    with pytest.raises(ValueError, match=r"'trino' \(orchestration.yaml dbt.engine\)"):
        dbt_engine({"dbt": {"engine": "trino"}})
