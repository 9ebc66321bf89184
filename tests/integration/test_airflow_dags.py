"""The generated DAGs under real Airflow: listed on a fresh environment, and run with dag.test()."""

import json
import os
import shutil
import subprocess
import sys

import pytest

from conductor.airflow_env import airflow_environ
from conductor.dag_factory import CATALOG_DAG_ID, TRANSFORM_DAG_ID, ingest_dag_id
from govlake.settings import Lake
from tests.conftest import FIXTURES, REPO

pytestmark = pytest.mark.airflow
GOVLAKE = [sys.executable, "-m", "conductor.cli"]


def _json_from(stdout: str):
    # Airflow prints log warnings on stdout too; the document is the line that parses.
    for line in reversed(stdout.splitlines()):
        if line.startswith(("[{", "[]", "{")):
            return json.loads(line)
    raise AssertionError(f"no JSON in output:\n{stdout[-2000:]}")


def test_fresh_environment_lists_every_dag_without_import_errors(tmp_path, registry):
    env = {**os.environ, "GOVLAKE_HOME": str(tmp_path / "lake")}
    listed = subprocess.run(
        [*GOVLAKE, "airflow", "dags", "list", "-o", "json"],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert listed.returncode == 0, listed.stderr[-2000:]
    dag_ids = {d["dag_id"] for d in _json_from(listed.stdout)}
    assert dag_ids == {ingest_dag_id(s) for s in registry.sources} | {TRANSFORM_DAG_ID, CATALOG_DAG_ID}

    errors = subprocess.run(
        [*GOVLAKE, "airflow", "dags", "list-import-errors", "-o", "json"],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert errors.returncode == 0, errors.stderr[-2000:]
    assert "No data found" in errors.stdout or _json_from(errors.stdout) == []


SOURCE = "wjw.death_record"


@pytest.fixture(scope="module")
def ingest_dag_run(tmp_path_factory):
    """One run of the generated ingestion DAG of SOURCE through dag.test()."""
    tmp_path = tmp_path_factory.mktemp("ingest_dag")
    lake = Lake(tmp_path / "lake")
    source = SOURCE
    shutil.copytree(FIXTURES / "clean-city" / source, lake.landing / source)
    result_file = tmp_path / "runs.json"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "conductor.airflow_runner",
            "--dag-prefix",
            ingest_dag_id(source),
            "--result",
            str(result_file),
        ],
        env=airflow_environ(lake),
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return lake, json.loads(result_file.read_text())["runs"]


def test_generated_dag_ingests_its_batches_through_dag_test(ingest_dag_run):
    lake, runs = ingest_dag_run
    source = SOURCE
    (run,) = runs
    assert run["state"] == "success"
    assert run["tasks"] == {"wait_for_ready": "success", "ingest": "success"}

    delivered = sorted(p.name for p in (lake.landing / source).iterdir())
    committed = sorted(p.name.removeprefix("batch=") for p in (lake.raw / source).glob("batch=*"))
    assert committed == delivered
    for batch in committed:
        partition = lake.raw_partition(source, batch)
        assert (partition / "_SUCCESS").exists()
        manifest = json.loads((partition / "_manifest.json").read_text(encoding="utf-8"))
        csv_rows = sum(
            len(f.read_text(encoding="utf-8").splitlines()) - 1 for f in (lake.landing / source / batch).glob("*.csv")
        )
        assert manifest["totals"]["rows_written"] == csv_rows


def test_the_dag_run_and_its_task_attempts_are_in_the_audit_log(ingest_dag_run):
    from govlake.audit import log_files, verify

    lake, _ = ingest_dag_run
    dag_id = ingest_dag_id(SOURCE)
    recs = [json.loads(line) for f in log_files(lake) for line in f.read_text(encoding="utf-8").splitlines()]
    flow = [(r["action"], r["subject"], r["outcome"]) for r in recs if r["action"].startswith("airflow.")]
    assert flow == [
        ("airflow.task", f"{dag_id}.wait_for_ready", "ok"),
        ("airflow.task", f"{dag_id}.ingest", "started"),
        ("airflow.task", f"{dag_id}.ingest", "ok"),
        ("airflow.dag_run", dag_id, "ok"),
    ]
    batches = [r for r in recs if r["action"] == "ingest.batch"]
    assert len(batches) == len(list((lake.landing / SOURCE).iterdir()))
    assert {(r["airflow"]["dag_id"], r["airflow"]["task_id"], r["airflow"]["try_number"]) for r in batches} == {
        (dag_id, "ingest", 1)
    }
    assert len({r["details"]["dag_run_id"] for r in recs if r["action"].startswith("airflow.")}) == 1
    assert recs[-1]["airflow"]["task_id"] is None  # the run's own record names no task
    assert verify(lake).ok
