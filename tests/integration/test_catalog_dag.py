"""The catalog DAG: scheduled on the curated Asset, it rebuilds the resource directory — parsed
and run by real Airflow (dag.test() through conductor.airflow_runner) on a built city."""

import json
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
    assert dag["tasks"] == ["build_directory"]
    assert "govlake://curated" in dag["schedule"]
    assert dag["audited"]


def test_a_run_of_the_catalog_dag_rebuilds_the_directory(tmp_path):
    from synth import generate_city

    landing, lake = tmp_path / "landing", Lake(tmp_path / "lake")
    generate_city(landing, persons=300, seed=3, defect_rate=0.0)
    CliRunner().invoke(app, ["run", "--landing", str(landing), "--home", str(lake.home)], env={"COLUMNS": "200"})
    with duckdb.connect(str(lake.warehouse)) as con:  # the DAG must build it, not find it
        con.execute("DROP SCHEMA catalog CASCADE")
    result = tmp_path / "runs.json"
    proc = subprocess.run(
        [sys.executable, "-m", "conductor.airflow_runner", "--dag-prefix", CATALOG_DAG_ID, "--result", str(result)],
        env=airflow_environ(lake),
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    (run,) = json.loads(result.read_text())["runs"]
    assert run["state"] == "success" and run["tasks"] == {"build_directory": "success"}
    with duckdb.connect(str(lake.warehouse), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM catalog.resources").fetchall()[0][0] == 44
