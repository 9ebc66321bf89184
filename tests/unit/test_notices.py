"""What a failure or hold notification says (conductor/notices.py): DAG, task, run, batch, reason,
and nothing personal in clear although the reason may quote a delivered row."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

from conductor.notices import BatchFailure, failure_notice, hold_notice
from govlake.identifiers import make_id_card

TI = SimpleNamespace(dag_id="ingest__gaj__household_register", task_id="ingest", run_id="manual__2027-01-31")


def test_a_failure_notice_names_dag_task_run_batches_and_the_exception():
    error = BatchFailure("gaj.household_register: 2 batch(es) failed", batches=["2026-10-01", "2026-10-02"])
    text = failure_notice({"ti": TI, "exception": error}).text
    assert text.splitlines() == [
        "govlake: task failed",
        "DAG: ingest__gaj__household_register",
        "task: ingest",
        "run: manual__2027-01-31",
        "batch: 2026-10-01, 2026-10-02",
        "reason: BatchFailure: gaj.household_register: 2 batch(es) failed",
    ]


def test_a_failure_without_batches_says_the_batch_is_unknown():
    notice = failure_notice({"ti": TI, "exception": TimeoutError("dbt took too long")})
    assert notice.batch is None and "batch: unknown" in notice.text


def test_an_id_number_and_a_mobile_quoted_by_a_reason_leave_masked():
    id_no = make_id_card("371602", date(1990, 1, 1), 123)
    error = ValueError(f"row 7: 公民身份号码 {id_no}, 联系电话 13812345678")
    text = failure_notice({"ti": TI, "exception": error}).text
    assert id_no not in text and "13812345678" not in text
    assert f"{id_no[:6]}********{id_no[-4:]}" in text and "138****5678" in text


def test_a_hold_notice_names_every_held_batch_with_its_source():
    gate = {
        "failed": [
            {"source_id": "scjg.patent", "batch": "2026-10-01"},
            {"source_id": "swj.taxpayer", "batch": "2026-09-01"},
        ],
        "reason": "quality gate held promotion of curated: scjg.patent 2026-10-01: 1 rejected file",
    }
    notice = hold_notice({"ti": TI}, gate)
    assert notice.kind == "quality gate held"
    assert notice.batch == "scjg.patent 2026-10-01, swj.taxpayer 2026-09-01"
    assert notice.text.endswith(
        "reason: quality gate held promotion of curated: scjg.patent 2026-10-01: 1 rejected file"
    )
