"""The transform DAG runs dbt_build → quality_run → quality_gate → publish_curated, in that order,
and quality_report last, after the gate and the publication whatever they did.

Structure only, from the DAG file Airflow parses (dags/transform_dags.py), in a child
process with the lake's Airflow environment (Airflow reads its configuration at import).
"""

import json
import subprocess
import sys

import pytest

from conductor.airflow_env import airflow_environ
from govlake.settings import Lake
from tests.conftest import REPO

pytestmark = pytest.mark.airflow

PROBE = """
import json
from airflow.dag_processing.dagbag import DagBag
from conductor.airflow_env import DAGS_FOLDER
from conductor.dag_factory import TRANSFORM_DAG_ID
bag = DagBag(dag_folder=str(DAGS_FOLDER / "transform_dags.py"))
assert not bag.import_errors, bag.import_errors
dag = bag.dags[TRANSFORM_DAG_ID]
from airflow.sdk.exceptions import AirflowSkipException
try:
    dag.get_task("publish_curated").python_callable({"passed": False, "reason": "held: zrzy 2026-10-01"})
    held = "published"
except AirflowSkipException as e:
    held = f"skipped: {e}"
print(json.dumps({"<held>": held} | {t.task_id: {"upstream": sorted(t.upstream_task_ids), "retries": t.retries,
                              "trigger_rule": getattr(t.trigger_rule, "value", str(t.trigger_rule)),
                              "outlets": [getattr(o, "name", str(o)) for o in t.outlets],
                              "audited": [k for k in AUDITED if getattr(t, k)]}
                  for t in dag.tasks} | {"<dag>": {"audited": [k for k in AUDITED if getattr(dag, k, None)]}}))
"""
AUDITED = ["on_execute_callback", "on_success_callback", "on_failure_callback", "on_retry_callback"]


@pytest.fixture(scope="module")
def tasks(tmp_path_factory):
    """task id -> upstream, retries, trigger rule, outlets, audit callbacks; "<dag>" the DAG's own;
    "<held>" what publish_curated does after a held gate."""
    proc = subprocess.run(
        [sys.executable, "-c", f"AUDITED = {AUDITED!r}\n{PROBE}"],
        env=airflow_environ(Lake(tmp_path_factory.mktemp("gate_dag") / "lake")),
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_a_held_gate_skips_publication_with_its_reason_instead_of_failing_the_run(tasks):
    assert tasks["<held>"] == "skipped: held: zrzy 2026-10-01"


def test_transform_dag_gates_publication_on_the_quality_run(tasks):
    tasks = {t: v for t, v in tasks.items() if not t.startswith("<")}
    assert {t: v["upstream"] for t, v in tasks.items()} == {
        "dbt_build": [],
        "quality_run": ["dbt_build"],
        "quality_gate": ["quality_run"],
        "publish_curated": ["quality_gate"],
        "quality_report": ["publish_curated"],
    }
    # publish only after a gate that succeeded; a held gate is not retried; curated is the Asset
    assert tasks["publish_curated"]["trigger_rule"] == "all_success"
    assert tasks["quality_gate"]["retries"] == 0
    assert tasks["publish_curated"]["outlets"] == ["curated"]
    # the steward report explains a held gate: it runs last (it closes the run for backups),
    # after the gate and the publication, whatever happened to them
    assert tasks["quality_report"]["trigger_rule"] == "all_done"


def test_every_transform_task_attempt_and_the_run_report_to_the_audit_log(tasks):
    assert tasks["<dag>"]["audited"] == ["on_success_callback", "on_failure_callback"]
    tasks = {t: v for t, v in tasks.items() if not t.startswith("<")}
    assert {t: v["audited"] for t, v in tasks.items()} == {t: AUDITED for t in tasks}
