"""The transform DAG configured to build on Spark (orchestration.yaml `dbt.engine: spark`,
docs/spark.md) skips the steps that read the warehouse, which such a build leaves as it was."""

import pytest
import yaml


def _transform_dag(monkeypatch, tmp_path, engine: str):
    from conductor import dag_factory

    config = yaml.safe_load(dag_factory.CONFIG_PATH.read_text(encoding="utf-8"))
    config["dbt"] = {"engine": engine}
    path = tmp_path / "orchestration.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    monkeypatch.setattr(dag_factory, "CONFIG_PATH", path)
    return dag_factory.build_transform_dag()


def test_after_a_spark_build_the_quality_run_is_skipped_saying_why(monkeypatch, tmp_path):
    from airflow.sdk.exceptions import AirflowSkipException

    monkeypatch.setenv("GOVLAKE_HOME", str(tmp_path / "lake"))  # were the step to run, it would run here
    dag = _transform_dag(monkeypatch, tmp_path, "spark")
    with pytest.raises(AirflowSkipException, match="dbt built on spark: the warehouse was not rebuilt"):
        dag.get_task("quality_run").python_callable({})
