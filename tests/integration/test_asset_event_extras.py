"""The Asset events an ingestion and a publication of curated carry their batches and row counts
(conductor/asset_events.py), read back from Airflow's metadata DB after real dag.test() runs of the
generated ingestion DAG and then the transform DAG; and, watched while it runs, the transform run
is open to backups from its first task to its last (govlake/backup/boundary.py)."""

import json
import shutil
import subprocess
import sys
import time

import duckdb
import pytest

from conductor.airflow_env import airflow_environ
from conductor.dag_factory import TRANSFORM_DAG_ID, ingest_dag_id
from govlake.backup.boundary import open_run
from govlake.settings import Lake
from tests.conftest import FIXTURES, REPO

pytestmark = pytest.mark.airflow

SOURCE = "wjw.death_record"

RUN_AND_READ_EVENTS = """
import json, sys
from sqlalchemy import select
from airflow.models.asset import AssetEvent, AssetModel
from airflow.utils.session import create_session
from conductor.airflow_runner import load_dags, migrate
migrate()
for dag in load_dags(sys.argv[1:]):
    dag.test(run_conf={"only_new": False})
with create_session() as session:
    joined = select(AssetModel.uri, AssetEvent.extra).join(AssetModel, AssetEvent.asset_id == AssetModel.id)
    rows = session.execute(joined)
    print(json.dumps([[uri, extra] for uri, extra in rows]))
"""


@pytest.fixture(scope="module")
def watched(tmp_path_factory):
    """The Asset events after the two DAG runs, and every Airflow run seen open to backups
    (<lake>/dbt/.open-run.json) while they ran, looked at every 50 ms."""
    root = tmp_path_factory.mktemp("asset_events")
    lake = Lake(root / "lake")
    shutil.copytree(FIXTURES / "clean-city" / SOURCE, lake.landing / SOURCE)
    out, errs = (root / "stdout").open("w+"), (root / "stderr").open("w+")
    proc = subprocess.Popen(
        [sys.executable, "-c", RUN_AND_READ_EVENTS, ingest_dag_id(SOURCE), TRANSFORM_DAG_ID],
        env=airflow_environ(lake),
        cwd=REPO,
        stdout=out,
        stderr=errs,
        text=True,
    )
    seen_open, deadline = set(), time.monotonic() + 600
    while proc.poll() is None and time.monotonic() < deadline:
        if run := open_run(lake):
            seen_open.add(run["run"])
        time.sleep(0.05)
    proc.kill()
    assert proc.wait() == 0, errs.seek(0) or errs.read()[-3000:]
    out.seek(0)
    return lake, dict(json.loads(out.read().strip().splitlines()[-1])), seen_open


@pytest.fixture(scope="module")
def events(watched):
    lake, published, _ = watched
    return lake, published


def test_the_raw_asset_event_names_every_batch_with_its_rows(events):
    lake, published = events
    extra = published[f"govlake://raw/{SOURCE}"]
    delivered = sorted(p.name for p in (lake.landing / SOURCE).iterdir())
    assert [(b["batch"], b["status"]) for b in extra["batches"]] == [(d, "loaded") for d in delivered]
    for b in extra["batches"]:
        manifest = json.loads((lake.raw_partition(SOURCE, b["batch"]) / "_manifest.json").read_text(encoding="utf-8"))
        assert b["rows_written"] == manifest["totals"]["rows_written"]
    assert extra["rows_written"] == sum(b["rows_written"] for b in extra["batches"]) > 0
    assert extra["rows_quarantined"] == sum(b["rows_quarantined"] for b in extra["batches"])


def test_the_curated_asset_event_names_the_gate_its_batches_and_every_table_with_its_rows(events):
    lake, published = events
    extra = published["govlake://curated/"]  # Airflow normalises a URI without a path
    delivered = sorted(p.name for p in (lake.landing / SOURCE).iterdir())
    assert sorted((b["source_id"], b["batch"]) for b in extra["batches"]) == [(SOURCE, d) for d in delivered]
    manifest = json.loads((lake.curated / "_manifest.json").read_text(encoding="utf-8"))["tables"]
    assert {t["model"]: t["rows"] for t in extra["tables"]} == {m: t["rows"] for m, t in manifest.items()}
    assert extra["rows"] == sum(t["rows"] for t in extra["tables"]) > 0
    with duckdb.connect(str(lake.warehouse), read_only=True) as con:
        ((gate_id,),) = con.execute("select distinct gate_id from quality.gate_decisions").fetchall()
    assert extra["gate_id"] == gate_id


def test_the_transform_run_is_open_to_backups_while_it_runs_and_closed_after_its_last_task(watched):
    lake, _, seen_open = watched
    (run,) = seen_open  # the transform run's, from dbt_build on; the ingestion run opens none
    assert run and open_run(lake) is None
