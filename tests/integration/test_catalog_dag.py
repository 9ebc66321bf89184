"""The catalog DAG: scheduled on the curated Asset, it rebuilds the resource directory — parsed
and run by real Airflow (dag.test() through conductor.airflow_runner) on a built city."""

import json
import os
import subprocess
import sys

import duckdb
import pytest
from typer.testing import CliRunner

from conductor.airflow_env import airflow_environ
from conductor.cli import app
from conductor.dag_factory import CATALOG_DAG_ID
from govlake.settings import Lake
from tests.conftest import REPO

pytestmark = [pytest.mark.airflow, pytest.mark.slow]

PROBE = """
import json
from airflow.dag_processing.dagbag import DagBag
from conductor.airflow_env import DAGS_FOLDER
from conductor.dag_factory import CATALOG_DAG_ID
bag = DagBag(dag_folder=str(DAGS_FOLDER / "catalog_dags.py"))
assert not bag.import_errors, bag.import_errors
dag = bag.dags[CATALOG_DAG_ID]
print(json.dumps({"tasks": sorted(t.task_id for t in dag.tasks), "schedule": str(dag.timetable.asset_condition),
                  "audited": bool(dag.get_task("build_directory").on_failure_callback)}))
"""


def test_the_catalog_dag_is_scheduled_on_the_curated_asset(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-c", PROBE],
        env=airflow_environ(Lake(tmp_path / "lake")),
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    dag = json.loads(proc.stdout.strip().splitlines()[-1])
    assert dag["tasks"] == ["build_directory", "sync_openmetadata"]
    assert "govlake://curated" in dag["schedule"]
    assert dag["audited"]


def _city_without_directory(tmp_path) -> Lake:
    from synth import generate_city

    landing, lake = tmp_path / "landing", Lake(tmp_path / "lake")
    generate_city(landing, persons=300, seed=3, defect_rate=0.0)
    CliRunner().invoke(app, ["run", "--landing", str(landing), "--home", str(lake.home)], env={"COLUMNS": "200"})
    with duckdb.connect(str(lake.warehouse)) as con:  # the DAG must build it, not find it
        con.execute("DROP SCHEMA catalog CASCADE")
    return lake


def _run_catalog_dag(lake: Lake, tmp_path, **env) -> tuple[dict, str]:
    """The run's outcome, and what its tasks printed."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("OPENMETADATA_")}
    result = tmp_path / "runs.json"
    proc = subprocess.run(
        [sys.executable, "-m", "conductor.airflow_runner", "--dag-prefix", CATALOG_DAG_ID, "--result", str(result)],
        env={**airflow_environ(lake, base), **env},
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    (run,) = json.loads(result.read_text())["runs"]
    return run, proc.stdout + proc.stderr


def test_a_run_of_the_catalog_dag_rebuilds_the_directory_and_skips_openmetadata_when_none_is_configured(tmp_path):
    lake = _city_without_directory(tmp_path)
    run, output = _run_catalog_dag(lake, tmp_path)
    assert run["state"] == "success"
    assert run["tasks"] == {"build_directory": "success", "sync_openmetadata": "skipped"}
    with duckdb.connect(str(lake.warehouse), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM catalog.resources").fetchall()[0][0] == 44
    assert "OpenMetadata sync skipped: no OpenMetadata server configured ($OPENMETADATA_HOST" in output


def test_a_run_of_the_catalog_dag_syncs_openmetadata_with_the_token_file(tmp_path):
    from tests.openmetadata_stub import OpenMetadataStub

    lake = _city_without_directory(tmp_path)
    token = tmp_path / "om-token"
    token.write_text("eyJ.dag-bot-token.sig\n", encoding="utf-8")
    with OpenMetadataStub(token="eyJ.dag-bot-token.sig") as om:
        run, output = _run_catalog_dag(lake, tmp_path, OPENMETADATA_HOST=om.url, OPENMETADATA_TOKEN_FILE=str(token))
        assert run["tasks"] == {"build_directory": "success", "sync_openmetadata": "success"}
        assert len(om.entities["tables"]) == 44
        pipelines = om.entities["pipelines"]
        assert {p["name"] for p in pipelines.values()} >= {CATALOG_DAG_ID, "transform__dbt_build"}
        catalog_dag = pipelines[f"govlake_airflow.{CATALOG_DAG_ID}"]
        assert {t["name"]: t.get("downstreamTasks") for t in catalog_dag["tasks"]} == {
            "build_directory": ["sync_openmetadata"],
            "sync_openmetadata": None,
        }
        household = next(t for t in om.entities["tables"].values() if t["name"] == "stg_gaj__household_register")
        ingest = pipelines["govlake_airflow.ingest__gaj__household_register"]
        assert (ingest["id"], household["id"]) in om.lineage
    assert "OpenMetadata http://127.0.0.1:" in output and "dag-bot-token" not in output
    logs = "".join(p.read_text(errors="replace") for p in lake.airflow_home.rglob("*.log"))
    assert "dag-bot-token" not in logs
