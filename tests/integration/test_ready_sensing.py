"""Deferrable `_READY` sensing (conductor/ready_sensing.py): the trigger, run in an event loop as
the triggerer runs it, fires on a complete batch in the landing directory and ends the wait when
nothing comes; the generated DAGs defer only where configured (GOVLAKE_READY_SENSING)."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conductor.airflow_env import airflow_environ
from conductor.dag_factory import ingest_dag_id, load_config, poke_interval, sensing
from govlake.settings import Lake
from tests.conftest import FIXTURES, REPO

pytestmark = pytest.mark.airflow

SOURCE = "wjw.death_record"


# the trigger's run() in an event loop as the triggerer runs it, in a child process with the
# lake's Airflow environment (Airflow reads its configuration at import); argv: lake home,
# timeout, a _READY to create 0.3 s after the trigger started polling ("" for none), source
RUN_TRIGGER = """
import asyncio, json, sys
from pathlib import Path
from conductor.ready_sensing import ReadyTrigger
home, timeout, later = sys.argv[1], float(sys.argv[2]), sys.argv[3]
async def deliver_later():
    if later:
        await asyncio.sleep(0.3)
        Path(later).touch()
async def main():
    trigger = ReadyTrigger(sys.argv[4], home, True, poke_interval=0.05, timeout_seconds=timeout)
    _, event = await asyncio.gather(deliver_later(), anext(trigger.run()))
    return event.payload
print(json.dumps(asyncio.run(asyncio.wait_for(main(), timeout=30))))
"""


def _first_event(lake: Lake, timeout_seconds: float = 10, deliver_later: Path | None = None) -> dict:
    proc = subprocess.run(
        [sys.executable, "-c", RUN_TRIGGER, str(lake.home), str(timeout_seconds), str(deliver_later or ""), SOURCE],
        env=airflow_environ(lake), cwd=REPO, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_the_trigger_fires_with_the_complete_batches_of_the_landing_directory(tmp_path):
    lake = Lake(tmp_path / "lake")
    shutil.copytree(FIXTURES / "clean-city" / SOURCE, lake.landing / SOURCE)
    unfinished = sorted((lake.landing / SOURCE).iterdir())[-1]
    (unfinished / "_READY").unlink()  # still being delivered: not a batch yet
    delivered = sorted(p.name for p in (lake.landing / SOURCE).iterdir() if p != unfinished)
    assert _first_event(lake) == {"pending": delivered}


def _one_batch_not_yet_complete(tmp_path) -> tuple[Lake, Path]:
    """A lake whose landing holds one batch of the source, still without its _READY."""
    lake = Lake(tmp_path / "lake")
    shutil.copytree(FIXTURES / "clean-city" / SOURCE, lake.landing / SOURCE)
    batch, *others = sorted((lake.landing / SOURCE).iterdir())
    for other in others:
        shutil.rmtree(other)
    (batch / "_READY").unlink()
    return lake, batch


def test_the_trigger_fires_once_a_batch_becomes_complete_while_it_polls(tmp_path):
    lake, batch = _one_batch_not_yet_complete(tmp_path)
    assert _first_event(lake, deliver_later=batch / "_READY") == {"pending": [batch.name]}


def test_the_trigger_ends_the_wait_without_a_batch_when_its_time_is_up(tmp_path):
    lake = Lake(tmp_path / "lake")
    (lake.landing / SOURCE).mkdir(parents=True)
    assert _first_event(lake, timeout_seconds=0.2) == {"pending": None}


def test_sensing_is_reschedule_unless_configured_and_refuses_an_unknown_mode():
    config = load_config()
    assert sensing(config, env={}) == "reschedule"
    assert sensing(config, env={"GOVLAKE_READY_SENSING": "deferrable"}) == "deferrable"
    with pytest.raises(ValueError, match="GOVLAKE_READY_SENSING"):
        sensing(config, env={"GOVLAKE_READY_SENSING": "poke"})


def test_poke_interval_is_orchestration_yaml_s_unless_the_environment_sets_one():
    config = load_config()
    assert poke_interval(config, env={}) == config["ready_sensor"]["poke_interval_seconds"]
    assert poke_interval(config, env={"GOVLAKE_READY_POKE_SECONDS": "2.5"}) == 2.5


@pytest.mark.parametrize("bad", ["soon", "0", "-5", "nan"])
def test_a_poke_interval_that_is_not_positive_seconds_is_refused_naming_the_setting(bad):
    with pytest.raises(ValueError, match="GOVLAKE_READY_POKE_SECONDS"):
        poke_interval(load_config(), env={"GOVLAKE_READY_POKE_SECONDS": bad})


PROBE = """
import json, sys
from airflow.dag_processing.dagbag import DagBag
from conductor.airflow_env import DAGS_FOLDER
bag = DagBag(dag_folder=str(DAGS_FOLDER / "ingest_dags.py"))
assert not bag.import_errors, bag.import_errors
sensor = bag.dags[sys.argv[1]].get_task("wait_for_ready")
print(json.dumps({"deferrable": sensor.deferrable, "mode": sensor.mode}))
"""


@pytest.mark.parametrize("configured, deferrable", [(None, False), ("deferrable", True), ("reschedule", False)])
def test_the_generated_sensor_defers_only_when_configured(tmp_path, configured, deferrable):
    env = airflow_environ(Lake(tmp_path / "lake"))
    env.pop("GOVLAKE_READY_SENSING", None)
    if configured:
        env["GOVLAKE_READY_SENSING"] = configured
    proc = subprocess.run(
        [sys.executable, "-c", PROBE, ingest_dag_id(SOURCE)], env=env, cwd=REPO, capture_output=True, text=True,
        timeout=300,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert json.loads(proc.stdout.strip().splitlines()[-1])["deferrable"] is deferrable


# the generated DAG, deferrable, under dag.test() (which runs a deferred task's trigger in its
# own process); the sensor polls every 0.5 s instead of 300, the batch is completed 3 s after start.
# dag.test() leaves no trace of the deferral itself (no reschedule rows, task log empty; tried):
# this checks that the deferred path (trigger, resumption, XCom) carries the batch to the ingestion
RUN_DEFERRED = """
import json, sys, threading
from pathlib import Path
from conductor.airflow_runner import load_dags, migrate
migrate()
(dag,) = load_dags([sys.argv[1]])
dag.get_task("wait_for_ready").poke_interval = 0.5
threading.Timer(3, Path(sys.argv[2]).touch).start()
run = dag.test(run_conf={"only_new": True})
tis = {ti.task_id: ti for ti in run.get_task_instances()}
print(json.dumps({"states": {t: str(ti.state) for t, ti in tis.items()},
                  "waited_for": tis["wait_for_ready"].xcom_pull(task_ids="wait_for_ready")}))
"""


@pytest.mark.slow
def test_a_deferred_sensor_waits_for_a_batch_completed_after_it_started_and_it_is_ingested(tmp_path):
    lake, batch = _one_batch_not_yet_complete(tmp_path)
    proc = subprocess.run(
        [sys.executable, "-c", RUN_DEFERRED, ingest_dag_id(SOURCE), str(batch / "_READY")],
        env=airflow_environ(lake) | {"GOVLAKE_READY_SENSING": "deferrable"}, cwd=REPO, capture_output=True,
        text=True, timeout=300,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    run = json.loads(proc.stdout.strip().splitlines()[-1])
    assert run["states"] == {"wait_for_ready": "success", "ingest": "success"}
    assert run["waited_for"] == [batch.name]
    assert (lake.raw_partition(SOURCE, batch.name) / "_SUCCESS").exists()
