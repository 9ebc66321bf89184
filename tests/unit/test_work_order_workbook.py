"""A work-order workbook as written and read back, without a warehouse: what the import
matches must come back exactly as it was sent."""

from __future__ import annotations

from datetime import date, datetime
from types import SimpleNamespace

from quality.feedback import read_returned
from quality.report.data import DepartmentRows
from quality.report.workbook import write_workbook
from quality.work_orders import Order, checksum, load_config

# a finding id is 16 hex characters of an md5 (quality/sql/findings.sql): eleven digits in a
# row starting 13-19 read as a mobile number to the pattern masking of govlake.pii
MOBILE_SHAPED_ID = "13912345678abcde"


def _finding(finding_id: str, row: int) -> dict:
    return {
        "finding_id": finding_id,
        "status": "open",
        "source_id": "gaj.household_register",
        "batch": "2026-10-01",
        "record_key": "372301********1234",
        "column_name": "id_no",
        "rule_id": "accuracy.check_digit.gaj.household_register.id_no",
        "severity": "blocking",
        "_file": "hjrk_20261001.csv",
        "_row_no": row,
    }


def test_a_finding_id_shaped_like_a_mobile_number_round_trips_unmasked(tmp_path):
    findings = [_finding(MOBILE_SHAPED_ID, 1), _finding("0f1e2d3c4b5a6978", 2)]
    card = SimpleNamespace(
        **dict.fromkeys(("violations", "blocking"), 2),
        **dict.fromkeys(
            (
                "new_findings",
                "resolved_findings",
                "history",
                "history_batches",
                "conflicts",
                "disputes",
                "open_disputes",
            ),
            0,
        ),
        code="gaj",
        name="滨州市公安局",
        sources=["gaj.household_register"],
        scores={},
        overall=None,
        rejected_share=0,
        latest_batch="2026-10-01",
    )
    data = SimpleNamespace(
        rows={"gaj": DepartmentRows(rules=[], violations=findings, conflicts=[], disputes=[])},
        limits={"workbook_rows": 10},
        run={"run_id": "r"},
        generated_at=datetime(2027, 1, 31),
        dimensions=[],
    )
    ids = [f["finding_id"] for f in findings]
    order = Order("WO-gaj-20270131-0a1b2c3d", "gaj", date(2027, 1, 31), checksum(ids), "滨州市公安局")
    config = load_config()

    path = write_workbook(data, card, tmp_path, order, [s.zh for s in config.statuses])
    returned = read_returned(path, config.limits)

    assert [r.finding_id for r in returned.rows] == ids
    assert (returned.work_order_id, returned.department, returned.checksum) == (
        order.work_order_id,
        "gaj",
        order.checksum,
    )
