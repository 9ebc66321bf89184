"""The DAGs under Airflow's real scheduler, as a deployment runs them (issue 17): a throwaway
PostgreSQL made by `initdb`, then the scheduler, dag-processor, triggerer and api-server as
separate processes, started and stopped here, observed only through the REST API.

The lake has taken the clean test city (`govlake run`); then the patent extract's next batch
is dropped into the landing zone while its ingestion DAG waits for `_READY` in the triggerer.
That file lacks its header's last column, so the chain runs to a held gate: sensor → ingest →
the `raw/scjg.patent` Asset event → the transform run it triggers → the hold's notification at
a webhook on 127.0.0.1. Then the transform and catalog DAGs are started together: every task
that writes the warehouse queues in the one-slot pool, so no two of them ever run at once.
"""

import shutil
from datetime import datetime

import pytest
from typer.testing import CliRunner

from conductor.cli import app
from conductor.dag_factory import CATALOG_DAG_ID, TRANSFORM_DAG_ID, ingest_dag_id
from govlake.settings import Lake
from tests.airflow_cluster import LocalAirflow
from tests.conftest import FIXTURES
from tests.local_receivers import WebhookReceiver
from tests.throwaway_postgres import ThrowawayPostgres

pytestmark = [pytest.mark.slow, pytest.mark.airflow]

SOURCE, BATCH = "scjg.patent", "2026-10-01"
INGEST = ingest_dag_id(SOURCE)
POOL = "govlake_warehouse"


def _deliver_without_last_column(lake: Lake) -> None:
    """The batch as a department drops it: its files first, `_READY` last."""
    target = lake.landing / SOURCE / BATCH
    target.mkdir(parents=True)
    for path in sorted((FIXTURES / "clean-city" / SOURCE / BATCH).iterdir()):
        if path.name == "_READY":
            continue
        data = path.read_bytes()
        if path.suffix == ".csv":
            header, sep, rows = data.partition(b"\n")
            data = header.rsplit(b",", 1)[0] + sep + rows
        (target / path.name).write_bytes(data)
    (target / "_READY").write_bytes((FIXTURES / "clean-city" / SOURCE / BATCH / "_READY").read_bytes())


def _span(ti: dict) -> tuple[datetime, datetime]:
    return datetime.fromisoformat(ti["start_date"]), datetime.fromisoformat(ti["end_date"])


@pytest.fixture(scope="module")
def scheduled(tmp_path_factory):
    lake = Lake(tmp_path_factory.mktemp("scheduler") / "lake")
    shutil.copytree(FIXTURES / "clean-city", lake.landing, ignore=shutil.ignore_patterns("README.md"))
    shutil.rmtree(lake.landing / SOURCE / BATCH)
    prepared = CliRunner().invoke(app, ["run", "--home", str(lake.home)], env={"COLUMNS": "200"})
    assert prepared.exit_code == 0, prepared.output

    seen: dict = {}
    with WebhookReceiver() as webhook, ThrowawayPostgres() as pg:
        env = {"GOVLAKE_READY_SENSING": "deferrable", "GOVLAKE_READY_POKE_SECONDS": "2",
               "GOVLAKE_NOTIFY_WEBHOOK_URL": webhook.url}  # fmt: skip
        with LocalAirflow(lake, pg.url, env) as airflow:
            airflow.wait_for(lambda: len(airflow.get("/api/v2/dags?limit=100")["dags"]) == 18, "the 18 DAGs parsed")
            for dag_id in (TRANSFORM_DAG_ID, CATALOG_DAG_ID):
                airflow.unpause(dag_id)
            # unpaused, the ingestion DAG starts its latest scheduled run, as on the 2nd of a month
            airflow.unpause(INGEST)
            (run,) = airflow.wait_for(lambda: airflow.runs(INGEST), "the ingestion DAG's scheduled run")
            ingest_run = run["dag_run_id"]
            seen["deferred"] = airflow.wait_for(
                lambda: airflow.task_instances(INGEST, ingest_run).get("wait_for_ready", {}).get("state") == "deferred",
                "the _READY sensor to defer to the triggerer",
            )
            _deliver_without_last_column(lake)
            seen["ingest_run"] = airflow.wait_for_run(INGEST, ingest_run)
            seen["ingest_tasks"] = airflow.task_instances(INGEST, ingest_run)
            seen["asset_events"] = airflow.get(f"/api/v2/assets/events?source_dag_id={INGEST}")["asset_events"]

            transform_run = airflow.wait_for(
                lambda: [r for r in airflow.runs(TRANSFORM_DAG_ID) if r["run_type"] == "asset_triggered"],
                "the transform run the raw Asset event triggers",
            )[0]
            seen["transform_run"] = airflow.wait_for_run(TRANSFORM_DAG_ID, transform_run["dag_run_id"])
            seen["transform_tasks"] = airflow.task_instances(TRANSFORM_DAG_ID, transform_run["dag_run_id"])
            seen["notified"] = list(webhook.received)

            together = [airflow.trigger(TRANSFORM_DAG_ID), airflow.trigger(CATALOG_DAG_ID)]
            seen["together"] = [airflow.wait_for_run(d, r) for d, r in zip((TRANSFORM_DAG_ID, CATALOG_DAG_ID),
                                                                             together)]  # fmt: skip
            seen["writers"] = [
                ti
                for dag_id in (TRANSFORM_DAG_ID, CATALOG_DAG_ID)
                for run in airflow.runs(dag_id)
                for ti in airflow.task_instances(dag_id, run["dag_run_id"]).values()
                if ti["pool"] == POOL and ti["start_date"] and ti["end_date"]
            ]
        seen["pids"] = [p.pid for p in airflow.processes.values()]
    return lake, seen


def test_the_ready_sensor_waits_in_the_triggerer_then_finds_the_dropped_batch(scheduled):
    _, seen = scheduled
    assert seen["deferred"]
    assert seen["ingest_run"]["state"] == "success"
    assert seen["ingest_tasks"]["wait_for_ready"]["state"] == "success"
    assert seen["ingest_tasks"]["ingest"]["state"] == "success"


def test_the_ingestion_updates_the_raw_asset_with_the_batch_and_its_rows(scheduled):
    _, seen = scheduled
    (event,) = seen["asset_events"]
    assert event["uri"] == f"govlake://raw/{SOURCE}"
    batches = {b["batch"]: b for b in event["extra"]["batches"]}
    # the batch it took, its one file rejected whole (no header's last column), nothing written
    assert batches[BATCH]["files_rejected"] == 1 and batches[BATCH]["rows_written"] == 0


def test_the_raw_asset_event_triggers_the_transform_run(scheduled):
    _, seen = scheduled
    run, tasks = seen["transform_run"], seen["transform_tasks"]
    assert run["run_type"] == "asset_triggered" and run["state"] == "success"
    ran = ("dbt_build", "quality_run", "quality_gate", "quality_report")
    assert {t: tasks[t]["state"] for t in ran} == dict.fromkeys(ran, "success")
    assert tasks["publish_curated"]["state"] == "skipped"  # the rejected file holds the batch


def test_the_held_gate_is_notified_once_naming_the_batch(scheduled):
    _, seen = scheduled
    (message,) = seen["notified"]
    text = message["text"]["content"]
    assert f"DAG: {TRANSFORM_DAG_ID}\ntask: quality_gate\n" in text
    assert f"batch: {SOURCE} {BATCH}" in text


def test_two_dag_runs_started_together_never_run_two_warehouse_writers_at_once(scheduled):
    _, seen = scheduled
    assert [r["state"] for r in seen["together"]] == ["success", "success"]
    spans = sorted(_span(ti) for ti in seen["writers"])
    # both runs of the transform DAG and the catalog run: at least 5 + 5 + 2 writer tasks
    assert len(spans) >= 12
    overlaps, busy_until = [], spans[0][1]
    for start, end in spans[1:]:
        if start < busy_until:
            overlaps.append((start, busy_until))
        busy_until = max(busy_until, end)
    assert overlaps == []


def test_the_test_stops_every_airflow_process_it_started(scheduled):
    import psutil

    _, seen = scheduled
    assert not [pid for pid in seen["pids"] if psutil.pid_exists(pid) and psutil.Process(pid).status() != "zombie"]
