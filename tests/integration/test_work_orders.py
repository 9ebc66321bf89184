"""Work orders (整改工单): the department workbook goes out as an order, comes back with the
department's 整改状态 and 反馈意见, is read back only if it is the workbook sent, and the
report counts per department what is open, overdue, answered and fixed by a later delivery.

Real DuckDB and openpyxl on a hand-made warehouse (tests/work_order_lake.py): generated
findings on three departments' full-snapshot sources, scored by the project's own functions.
Today is pinned by GOVLAKE_TODAY (tests/conftest.py: 2027-01-31) where a test does not move it.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from quality.feedback import FeedbackError, import_feedback
from quality.report import write_report
from quality.work_orders import load_config
from tests.work_order_lake import deliver, fill, new_lake, person_ids, query

BATCH, LATER = "2026-10-01", "2026-11-01"
ISSUED = date(2027, 1, 31)  # GOVLAKE_TODAY of the suite


@pytest.fixture
def issued(tmp_path, registry):
    """A lake whose report issued one order per department: gaj 2 blocking + 1 warning
    finding, zrzy 3 blocking, mzj 1 blocking."""
    lake = new_lake(tmp_path)
    deliver(lake, registry, BATCH, {"gaj": (2, 1), "zrzy": (3, 0), "mzj": (1, 0)})
    return lake, write_report(lake, registry=registry)


def _findings_rows(path) -> list[dict]:
    ws = load_workbook(path)["违规明细"]
    header = [str(c).split("\n")[0] for c in next(ws.iter_rows(min_row=2, max_row=2, values_only=True))]
    return [dict(zip(header, r)) for r in ws.iter_rows(min_row=3, values_only=True)]


def _feedback(lake) -> list[tuple]:
    return query(lake, 'SELECT finding_id, status, comment, "by", "at" FROM quality.work_order_feedback ORDER BY 1')


def _page(result) -> str:
    return Path(result.page).read_text(encoding="utf-8")


def _summary(html: str, code: str) -> list[str]:
    """The work-order table's cells of one department on the report page."""
    section = html.split('id="work-orders"', 1)[1].split("</table>", 1)[0]
    row = re.search(rf'<tr data-department="{code}">(.*?)</tr>', section, re.S).group(1)
    return [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r'<td class="num">(.*?)</td>', row)]


def test_each_department_workbook_is_registered_as_a_work_order(issued, registry):
    lake, result = issued
    orders = query(lake, "SELECT department, work_order_id, findings, checksum, issued_on FROM quality.work_orders")
    assert {o[0] for o in orders} == set(registry.departments)
    assert result.work_orders == {o[0]: o[1] for o in orders}
    gaj = next(o for o in orders if o[0] == "gaj")
    listed = [r["问题编号"] for r in _findings_rows(result.workbooks["gaj"])]
    assert gaj[2] == len(listed) == 3
    assert gaj[3] == hashlib.sha256("\n".join(sorted(listed)).encode()).hexdigest()
    assert gaj[4] == ISSUED


def test_the_export_record_of_the_audit_log_names_each_departments_work_order(issued):
    from govlake import audit

    lake, result = issued
    records = [json.loads(line) for f in audit.log_files(lake) for line in f.read_text(encoding="utf-8").splitlines()]
    (export,) = [r for r in records if r["action"] == "export.report"]
    assert export["details"]["work_orders"] == result.work_orders


def test_an_import_is_recorded_in_the_audit_log_with_who_and_what(issued):
    from govlake import audit

    lake, result = issued
    import_feedback(lake, fill(result.workbooks["gaj"], {1: ("已整改", None)}), by="公安-王")
    records = [json.loads(line) for f in audit.log_files(lake) for line in f.read_text(encoding="utf-8").splitlines()]
    (imported,) = [r for r in records if r["action"] == "work_order.feedback"]
    assert (imported["subject"], imported["actor"], imported["outcome"]) == (result.work_orders["gaj"], "公安-王", "ok")
    assert (imported["details"]["answered"], imported["details"]["recorded"]) == (1, 1)


def test_a_finding_is_due_by_its_severity(issued):
    lake, result = issued
    due = dict(
        query(
            lake,
            "SELECT severity, any_value(due_date) FROM quality.work_order_items WHERE work_order_id = ? GROUP BY 1",
            [result.work_orders["gaj"]],
        )
    )
    config = load_config()
    assert (due["blocking"] - ISSUED).days == config.due_days["blocking"]
    assert (due["warning"] - ISSUED).days == config.due_days["warning"]


def test_the_findings_sheet_carries_owner_due_date_and_a_status_list(issued, registry):
    lake, result = issued
    rows = _findings_rows(result.workbooks["gaj"])
    assert {r["负责人"] for r in rows} == {registry.departments["gaj"].name}
    assert all(isinstance(r["截止日期"].date(), date) for r in rows)
    assert all(r["整改状态"] is None and r["反馈意见"] is None for r in rows)
    ws = load_workbook(result.workbooks["gaj"])["违规明细"]
    (dv,) = ws.data_validations.dataValidation
    assert dv.type == "list" and dv.formula1 == '"' + ",".join(s.zh for s in load_config().statuses) + '"'


def test_the_work_order_sheet_names_order_department_and_checksum_and_is_hidden(issued):
    lake, result = issued
    wb = load_workbook(result.workbooks["gaj"])
    order = wb["工单"]
    assert order.sheet_state == "hidden" and order.protection.sheet
    values = [r[1] for r in order.iter_rows(values_only=True)]
    (checksum,) = query(lake, "SELECT checksum FROM quality.work_orders WHERE department = 'gaj'")[0]
    assert values[:3] == [result.work_orders["gaj"], "gaj", checksum]
    summary = "\n".join(str(v) for r in wb["说明"].iter_rows(values_only=True) for v in r if v)
    assert result.work_orders["gaj"] in summary


def test_a_finding_listed_again_keeps_its_first_due_date(issued, registry, monkeypatch):
    lake, first = issued
    monkeypatch.setenv("GOVLAKE_TODAY", "2027-02-20")
    second = write_report(lake, registry=registry)
    dues = query(
        lake,
        "SELECT work_order_id, finding_id, due_date FROM quality.work_order_items WHERE work_order_id IN (?, ?)",
        [first.work_orders["gaj"], second.work_orders["gaj"]],
    )
    first_due = {f: d for o, f, d in dues if o == first.work_orders["gaj"]}
    second_due = {f: d for o, f, d in dues if o == second.work_orders["gaj"]}
    assert first_due == second_due and len(second_due) == 3
    assert all(d < date(2027, 2, 20) for d in second_due.values())


def test_a_returned_workbook_round_trips_its_feedback(issued, registry):
    lake, result = issued
    mobile = "13912345678"
    returned = fill(result.workbooks["gaj"], {1: ("已整改", f"已重新交付,联系 {mobile}"), 3: (None, "核实中")})
    ids = [r["问题编号"] for r in _findings_rows(returned)]

    imported = import_feedback(lake, returned, by="公安-王")

    assert (imported.work_order_id, imported.listed, imported.answered, imported.recorded) == (
        result.work_orders["gaj"],
        3,
        2,
        2,
    )
    rows = _feedback(lake)
    assert [(r[0], r[1], r[3]) for r in rows] == sorted([(ids[0], "已整改", "公安-王"), (ids[2], None, "公安-王")])
    assert all(r[4] is not None for r in rows)
    comments = {r[0]: r[2] for r in rows}
    assert comments[ids[2]] == "核实中"
    assert mobile not in comments[ids[0]] and "已重新交付" in comments[ids[0]]  # masked by pattern
    assert _summary(_page(write_report(lake, registry=registry)), "gaj") == ["3", "0", "2", "0"]


def test_a_status_given_in_english_is_recorded_in_chinese(issued):
    lake, result = issued
    import_feedback(lake, fill(result.workbooks["gaj"], {2: ("In progress", None)}), by="公安-王")
    assert [r[1] for r in _feedback(lake)] == ["整改中"]


def test_importing_the_same_workbook_twice_records_its_feedback_once(issued):
    lake, result = issued
    returned = fill(result.workbooks["gaj"], {1: ("整改中", "下周交付")})
    import_feedback(lake, returned, by="公安-王")
    again = import_feedback(lake, returned, by="公安-王")
    assert again.recorded == 0 and len(_feedback(lake)) == 1


def test_a_changed_answer_is_recorded_beside_the_first(issued):
    lake, result = issued
    import_feedback(lake, fill(result.workbooks["gaj"], {1: ("整改中", None)}), by="公安-王")
    import_feedback(lake, fill(result.workbooks["gaj"], {1: ("已整改", None)}), by="公安-王")
    assert sorted(r[1] for r in _feedback(lake)) == ["已整改", "整改中"]


def _delete_row(wb):
    wb["违规明细"].delete_rows(4)


def _edit_id(wb):
    wb["违规明细"]["A3"] = "0123456789abcdef"


def _add_row(wb):
    ws = wb["违规明细"]
    ws.append([ws["A3"].value] + [None] * 17 + ["已整改"])


def _edit_department(wb):
    wb["工单"]["B2"] = "zrzy"


def _insert_a_row_and_edit_department(wb):
    wb["工单"].insert_rows(1)
    wb["工单"]["B3"] = "zrzy"


def _edit_checksum(wb):
    wb["工单"]["B3"] = "0" * 64


@pytest.mark.parametrize(
    ("edit", "named"),
    [
        (_delete_row, r"sheet 违规明细: 1 finding\(s\) of work order \S+ are missing .*rows were deleted"),
        (_edit_id, r"sheet 违规明细, row 3, column 问题编号: finding 0123456789abcdef is not in work order"),
        (_add_row, r"sheet 违规明细, row 6, column 问题编号: finding \S+ is listed twice \(first in row 3\)"),
        (_edit_department, r"sheet 工单, row 2, column B: department 'zrzy' is not 'gaj'"),
        (_edit_checksum, r"sheet 工单, row 3, column B: checksum differs"),
        (_insert_a_row_and_edit_department, r"sheet 工单, row 3, column B: department 'zrzy' is not 'gaj'"),
    ],
    ids=["row deleted", "finding id edited", "row added", "department changed", "checksum changed", "rows moved"],
)
def test_a_tampered_workbook_is_refused_naming_what_changed(issued, edit, named):
    lake, result = issued
    returned = fill(result.workbooks["gaj"], {1: ("已整改", "好")}, edit=edit)
    with pytest.raises(FeedbackError, match=named) as refused:
        import_feedback(lake, returned, by="公安-王")
    assert str(returned) in str(refused.value)
    assert _feedback(lake) == []


def test_a_workbook_of_another_lake_is_refused(issued, tmp_path, registry):
    lake, _ = issued
    other = new_lake(tmp_path / "other")
    deliver(other, registry, BATCH, {"gaj": (2, 1)})
    foreign = fill(write_report(other, registry=registry).workbooks["gaj"], {1: ("已整改", None)})
    not_ours = r"sheet 工单, row 1, column B: WO-gaj-\S+ is not a work order of this lake"
    with pytest.raises(FeedbackError, match=not_ours):
        import_feedback(lake, foreign, by="公安-王")
    assert _feedback(lake) == []


def test_an_unknown_status_is_refused_naming_its_cell(issued):
    lake, result = issued
    returned = fill(result.workbooks["gaj"], {1: ("已整改", None), 2: ("搞定了", None)})
    named = r"sheet 违规明细, row 4, column 整改状态: '搞定了': not a status; one of 待整改"
    with pytest.raises(FeedbackError, match=named):
        import_feedback(lake, returned, by="公安-王")
    assert _feedback(lake) == []


def test_a_workbook_without_a_work_order_sheet_is_refused(issued):
    lake, result = issued
    returned = fill(result.workbooks["gaj"], {}, edit=lambda wb: wb.remove(wb["工单"]))
    with pytest.raises(FeedbackError, match="no sheet 工单: not a work-order workbook"):
        import_feedback(lake, returned, by="公安-王")


def test_a_finding_a_later_batch_corrected_counts_as_fixed(issued, registry):
    lake, _ = issued
    deliver(lake, registry, LATER, {"gaj": (1, 1), "zrzy": (3, 0), "mzj": (1, 0)}, seed=2)  # gaj's 2nd blocking fixed
    html = _page(write_report(lake, registry=registry))
    assert _summary(html, "gaj") == ["2", "0", "0", "1"]
    assert _summary(html, "zrzy") == ["3", "0", "0", "0"]


def test_a_finding_open_past_its_due_date_is_overdue(issued, registry, monkeypatch):
    lake, _ = issued
    monkeypatch.setenv("GOVLAKE_TODAY", "2027-02-06")  # blocking due 02-05 passed, warning due 02-15 not
    html = _page(write_report(lake, registry=registry))
    assert _summary(html, "gaj") == ["3", "2", "0", "0"]
    assert _summary(html, "zrzy") == ["3", "3", "0", "0"]


def test_departments_rank_by_open_blocking_findings_then_overdue_items(issued, registry, monkeypatch):
    lake, _ = issued
    # gaj 2 blocking + 1 warning, zrzy 3 blocking, mzj 1 blocking; add 民政 a second blocking
    # so that it ties 公安 on blocking and 公安's overdue warning decides
    deliver(lake, registry, LATER, {"gaj": (2, 1), "zrzy": (3, 0), "mzj": (2, 0)}, seed=2)
    write_report(lake, registry=registry)  # orders mzj's new finding, due from 2027-01-31
    monkeypatch.setenv("GOVLAKE_TODAY", "2027-02-16")  # both severities past due
    html = _page(write_report(lake, registry=registry))
    ranking = html.split('id="work-order-ranking"', 1)[1].split("</table>", 1)[0]
    order = re.findall(r'<tr data-department="(\w+)"><td class="num">(\d+)</td>', ranking)
    assert order[:3] == [("zrzy", "1"), ("gaj", "2"), ("mzj", "3")]
    assert {rank for _, rank in order[3:]} == {"4"}


def test_a_report_that_fails_mid_way_registers_no_order_and_leaves_no_workbook(tmp_path, registry, monkeypatch):
    import quality.report.build as build

    lake = new_lake(tmp_path)
    deliver(lake, registry, BATCH, {"gaj": (2, 1)})
    written = []

    def full_disk_at_the_third(*args, **kwargs):
        if len(written) == 2:
            raise OSError(28, "No space left on device")
        written.append(stage_workbook(*args, **kwargs))
        return written[-1]

    stage_workbook = build.stage_workbook
    monkeypatch.setattr(build, "stage_workbook", full_disk_at_the_third)
    with pytest.raises(OSError, match="No space left"):
        write_report(lake, registry=registry)
    assert query(lake, "SELECT count(*) FROM quality.work_orders") == [(0,)]
    assert [p.name for p in (lake.reports / "quality" / "departments").iterdir()] == []


def test_the_report_command_says_how_many_work_orders_it_issued(tmp_path, registry):
    from conductor.cli import app

    lake = new_lake(tmp_path)
    deliver(lake, registry, BATCH, {"gaj": (2, 1)})
    result = CliRunner().invoke(app, ["quality", "report", "--home", str(lake.home)], env={"COLUMNS": "250"})
    assert result.exit_code == 0, result.output
    assert f"Work orders (整改工单): {len(registry.departments)} issued" in result.output


def test_the_import_command_prints_a_summary_and_refuses_with_exit_1(issued):
    from conductor.cli import app

    lake, result = issued
    runner = CliRunner()
    good = fill(result.workbooks["gaj"], {1: ("已整改", None)})
    ok = runner.invoke(app, ["quality", "feedback", "import", str(good), "--by", "公安-王", "--home", str(lake.home)])
    assert ok.exit_code == 0, ok.output
    assert "1 answered" in ok.output and "1 recorded" in ok.output
    bad = fill(result.workbooks["gaj"], {1: ("不知道", None)}, out=good.with_name("bad.xlsx"))
    refused = runner.invoke(app, ["quality", "feedback", "import", str(bad), "--home", str(lake.home)])
    assert refused.exit_code == 1
    assert "row 3, column 整改状态" in refused.output


def test_an_id_number_in_a_refused_cell_is_masked_in_the_message(issued):
    lake, result = issued
    (person,) = person_ids(1, seed=7)
    returned = fill(result.workbooks["gaj"], {1: (person, None)})
    with pytest.raises(FeedbackError) as refused:
        import_feedback(lake, returned, by="公安-王")
    assert person not in str(refused.value) and person[:6] in str(refused.value)
