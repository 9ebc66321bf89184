"""The warehouse writers queue in one Airflow pool of one slot instead of colliding on the lake lock.

The pool is made where the metadata DB is prepared (conductor/airflow_runner.migrate, here run
twice: preparing again changes nothing); every DAG is read from dags/ as Airflow parses it, in a
child process with the lake's Airflow environment (Airflow reads its configuration at import).
Whether two runs' writer tasks really wait for each other is the scheduler's doing: dag.test()
runs tasks in its own process and does not apply pools.
"""

import json
import subprocess
import sys

import pytest

from conductor.airflow_env import airflow_environ
from conductor.dag_factory import CATALOG_DAG_ID, TRANSFORM_DAG_ID, ingest_dag_id
from govlake.settings import Lake
from tests.conftest import REPO

pytestmark = pytest.mark.airflow

PROBE = """
import json
from airflow.dag_processing.dagbag import DagBag
from airflow.models.pool import Pool
from conductor.airflow_env import DAGS_FOLDER
from conductor.airflow_runner import migrate
migrate()
migrate()
pools = {p.pool: [p.slots, p.include_deferred] for p in Pool.get_pools()}
bag = DagBag(dag_folder=str(DAGS_FOLDER))
assert not bag.import_errors, bag.import_errors
tasks = {f"{d.dag_id}.{t.task_id}": t.pool for d in bag.dags.values() for t in d.tasks}
print(json.dumps({"pools": pools, "tasks": tasks}))
"""

WRITERS = {
    f"{TRANSFORM_DAG_ID}.{t}" for t in ("dbt_build", "quality_run", "quality_gate", "publish_curated", "quality_report")
} | {f"{CATALOG_DAG_ID}.{t}" for t in ("build_directory", "sync_openmetadata")}


@pytest.fixture(scope="module")
def prepared(tmp_path_factory):
    """The pools after preparing a fresh metadata DB twice, and the pool of every task of every DAG."""
    proc = subprocess.run(
        [sys.executable, "-c", PROBE],
        env=airflow_environ(Lake(tmp_path_factory.mktemp("pool") / "lake")),
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_preparing_the_metadata_db_makes_the_warehouse_pool_with_one_slot(prepared):
    assert prepared["pools"]["govlake_warehouse"] == [1, False]


def test_every_task_that_writes_the_warehouse_queues_in_its_pool(prepared):
    tasks = prepared["tasks"]
    assert {t: tasks[t] for t in WRITERS} == dict.fromkeys(WRITERS, "govlake_warehouse")


def test_ingestion_writes_raw_partitions_and_does_not_wait_for_the_warehouse_writers(prepared, registry):
    ingest = {t: p for t, p in prepared["tasks"].items() if t.startswith("ingest__")}
    assert set(ingest) == {f"{ingest_dag_id(s)}.{t}" for s in registry.sources for t in ("wait_for_ready", "ingest")}
    assert set(ingest.values()) == {"default_pool"}
