"""The transform DAG runs dbt_build → quality_run → quality_gate → publish_curated, in that order,
and quality_report after the gate whatever it decided.

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
print(json.dumps({t.task_id: {"upstream": sorted(t.upstream_task_ids), "retries": t.retries,
                              "trigger_rule": getattr(t.trigger_rule, "value", str(t.trigger_rule)),
                              "outlets": [getattr(o, "name", str(o)) for o in t.outlets]}
                  for t in dag.tasks}))
"""


def test_transform_dag_gates_publication_on_the_quality_run(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-c", PROBE],
        env=airflow_environ(Lake(tmp_path / "lake")),
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    tasks = json.loads(proc.stdout.strip().splitlines()[-1])
    assert {t: v["upstream"] for t, v in tasks.items()} == {
        "dbt_build": [],
        "quality_run": ["dbt_build"],
        "quality_gate": ["quality_run"],
        "publish_curated": ["quality_gate"],
        "quality_report": ["quality_gate"],
    }
    # publish only after a gate that succeeded; a held gate is not retried; curated is the Asset
    assert tasks["publish_curated"]["trigger_rule"] == "all_success"
    assert tasks["quality_gate"]["retries"] == 0
    assert tasks["publish_curated"]["outlets"] == ["curated"]
    # the steward report explains a held gate: it runs when the gate is done, failed or not
    assert tasks["quality_report"]["trigger_rule"] == "all_done"
