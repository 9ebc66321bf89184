"""Failure and gate-hold notifications through real Airflow (dag.test()), received on 127.0.0.1.

Both channels are configured by environment (conductor/notifications.py): a webhook answering
like a DingTalk/WeCom robot and an SMTP server, each a receiver thread of this test process
(tests/local_receivers.py). The DAGs run in a child process with the lake's Airflow environment.
"""

import json
import shutil
import subprocess
import sys

import pytest

from conductor.airflow_env import airflow_environ
from conductor.dag_factory import ingest_dag_id
from govlake.settings import Lake
from tests.conftest import FIXTURES, REPO
from tests.local_receivers import SmtpReceiver, WebhookReceiver

pytestmark = pytest.mark.airflow

SOURCE, BROKEN_BATCH = "wjw.death_record", "2026-10-02"

# the generated DAG as Airflow parses it; its retries without their 5-minute delay, which
# dag.test() would otherwise sit out: every attempt runs, the notification comes once
RUN_FAILING = """
import json, sys
from datetime import timedelta
from conductor.airflow_runner import load_dags, migrate
migrate()
(dag,) = load_dags([sys.argv[1]])
dag.get_task("ingest").retry_delay = timedelta(0)
run = dag.test(run_conf={"only_new": False})
print(json.dumps({ti.task_id: [str(ti.state), ti.try_number] for ti in run.get_task_instances()}))
"""


def _notify_env(webhook: WebhookReceiver, smtp: SmtpReceiver) -> dict[str, str]:
    return {
        "GOVLAKE_NOTIFY_WEBHOOK_URL": webhook.url,
        "GOVLAKE_NOTIFY_SMTP_HOST": "127.0.0.1",
        "GOVLAKE_NOTIFY_SMTP_PORT": str(smtp.port),
        "GOVLAKE_NOTIFY_SMTP_FROM": "govlake@dsj.example.gov.cn",
        "GOVLAKE_NOTIFY_SMTP_TO": "oncall@dsj.example.gov.cn",
        "GOVLAKE_NOTIFY_SMTP_SECURITY": "none",
    }


@pytest.fixture(scope="module")
def failed_ingest(tmp_path_factory):
    """One run of SOURCE's ingestion DAG whose batch BROKEN_BATCH cannot be written (a file
    stands where its raw partition goes): the ingest task fails on every attempt."""
    lake = Lake(tmp_path_factory.mktemp("notify_failure") / "lake")
    shutil.copytree(FIXTURES / "clean-city" / SOURCE, lake.landing / SOURCE)
    blocker = lake.raw_partition(SOURCE, BROKEN_BATCH)
    blocker.parent.mkdir(parents=True)
    blocker.write_text("not a directory", encoding="utf-8")
    with WebhookReceiver() as webhook, SmtpReceiver() as smtp:
        proc = subprocess.run(
            [sys.executable, "-c", RUN_FAILING, ingest_dag_id(SOURCE)],
            env=airflow_environ(lake) | _notify_env(webhook, smtp),
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=600,
        )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1]), webhook.received, smtp.received


def test_a_task_failing_for_good_posts_one_webhook_message_naming_dag_task_batch_and_reason(failed_ingest):
    tasks, posted, _ = failed_ingest
    assert tasks["ingest"] == ["failed", 3]  # three attempts, one notification
    (message,) = posted
    assert message["msgtype"] == "text"
    text = message["text"]["content"]
    assert f"DAG: {ingest_dag_id(SOURCE)}\ntask: ingest\n" in text
    assert f"batch: {BROKEN_BATCH}\n" in text
    assert "reason: BatchFailure: " in text and "NotADirectoryError" in text


def test_a_task_failing_for_good_sends_one_mail_naming_dag_task_batch_and_reason(failed_ingest):
    _, _, mails = failed_ingest
    (mail,) = mails
    assert mail["Subject"] == f"[govlake] task failed: {ingest_dag_id(SOURCE)}.ingest"
    assert mail["To"] == "oncall@dsj.example.gov.cn"
    body = next(p for p in mail.walk() if p.get_content_type() == "text/html").get_content()
    assert f"batch: {BROKEN_BATCH}" in body and "NotADirectoryError" in body


HELD_SOURCE, HELD_BATCH = "scjg.patent", "2026-10-01"


@pytest.fixture(scope="module")
def held_gate(tmp_path_factory):
    """Every ingestion DAG, then the transform DAG, on the clean test city whose latest patent
    file lacks its header's last column: the file is rejected whole, and a rejected file holds
    its batch at the gate (quality/gate.yaml)."""
    root = tmp_path_factory.mktemp("notify_hold")
    lake = Lake(root / "lake")
    shutil.copytree(FIXTURES / "clean-city", lake.landing, ignore=shutil.ignore_patterns("README.md"))
    (delivered,) = (lake.landing / HELD_SOURCE / HELD_BATCH).glob("*.csv")
    header, sep, rows = delivered.read_bytes().partition(b"\n")
    delivered.write_bytes(header.rsplit(b",", 1)[0] + sep + rows)
    result = root / "runs.json"
    with WebhookReceiver() as webhook, SmtpReceiver() as smtp:
        proc = subprocess.run(
            [sys.executable, "-m", "conductor.airflow_runner", "--dag-prefix", "ingest__", "--dag-prefix",
             "transform__", "--result", str(result)],
            env=airflow_environ(lake) | _notify_env(webhook, smtp),
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=900,
        )  # fmt: skip
    runs = json.loads(result.read_text(encoding="utf-8"))["runs"]
    assert proc.returncode == 0, proc.stderr[-3000:]
    return runs[-1], webhook.received, smtp.received


@pytest.mark.slow
def test_a_held_gate_sends_one_notification_per_channel_naming_the_batch_and_reason(held_gate):
    run, posted, mails = held_gate
    assert run["tasks"]["quality_gate"] == "success" and run["tasks"]["publish_curated"] == "skipped"
    (message,) = posted  # the hold, and nothing from the ingestion runs before it
    text = message["text"]["content"]
    assert text.startswith("govlake: quality gate held\nDAG: transform__dbt_build\ntask: quality_gate\n")
    assert f"batch: {HELD_SOURCE} {HELD_BATCH}" in text
    assert "reason: quality gate held promotion of curated: " in text and "rejected" in text
    (mail,) = mails
    assert mail["Subject"] == "[govlake] quality gate held: transform__dbt_build.quality_gate"
