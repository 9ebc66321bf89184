"""数据异议 tickets (quality/disputes.py) on a tiny hand-made warehouse, and the CLI's help.

The real loop (dbt build, a corrected batch, 回流) is tests/integration/test_disputes_loop.py.
"""

from __future__ import annotations

import json
import re

import duckdb
import pytest
from typer.testing import CliRunner

from conductor.cli import app
from quality import disputes as d
from quality.disputes import DisputeError

runner = CliRunner()
PERSON = "372325198211150881"


def _person_warehouse(lake, name="徐秀", batch="2026-10-03", source="gaj.household_register"):
    """base.base_population__person with one person and just the columns a dispute on name reads."""
    lake.home.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(lake.warehouse))
    con.execute("CREATE SCHEMA IF NOT EXISTS base")
    con.execute(
        "CREATE OR REPLACE TABLE base.base_population__person "
        "(person_id VARCHAR, name VARCHAR, name__source VARCHAR, name__batch VARCHAR)"
    )
    con.execute("INSERT INTO base.base_population__person VALUES (?, ?, ?, ?)", [PERSON, name, source, batch])
    con.close()


def test_transitions_follow_the_workflow():
    assert d.next_status("assign", d.PENDING) == d.VERIFYING
    assert d.next_status("reject", d.VERIFYING) == d.REJECTED
    assert d.next_status("correct", d.PENDING) == d.CORRECTED
    for final in (d.CORRECTED, d.REJECTED):
        for action in ("assign", "reject", "correct"):
            with pytest.raises(DisputeError, match=f"is {final}.*{action} is allowed only from 待核实"):
                d.next_status(action, final, "DSP-00001")


def test_status_is_accepted_in_chinese_or_english():
    assert d.parse_status("核实中") == d.parse_status("verifying") == d.VERIFYING
    assert d.parse_status("Rejected") == d.REJECTED
    with pytest.raises(DisputeError, match="unknown status 'done'.*待核实 pending"):
        d.parse_status("done")


@pytest.mark.parametrize(
    "attribute, department, name",
    [
        ("population.name", "gaj", "公安"),
        ("population.household_address", "gaj", "公安"),
        ("population.death_date", "wjw", "卫生健康"),
        ("legal_entity.name", "scjg", "市场监督管理"),
    ],
)
def test_attribute_is_routed_to_its_authoritative_department(attribute, department, name):
    target = d.resolve_attribute(attribute)
    assert target.department == department and name in target.department_name


def test_unknown_attribute_names_the_known_ones():
    with pytest.raises(DisputeError, match="unknown attribute 'population.nme'.*population.name"):
        d.resolve_attribute("population.nme")


def test_filing_without_a_warehouse_says_to_build_first(lake):
    with pytest.raises(DisputeError, match="no warehouse"):
        d.file_dispute(lake, PERSON, "population.name", "徐秀英", by="窗口")


def test_filing_records_the_golden_value_and_an_event(lake):
    _person_warehouse(lake)
    t = d.file_dispute(lake, PERSON, "population.name", "徐秀英", by="窗口-李", note="户口簿")
    assert (t.status, t.filed_value, t.filed_source, t.filed_batch) == (
        d.PENDING,
        "徐秀",
        "gaj.household_register",
        "2026-10-03",
    )
    assert [(e.step, e.status_from, e.status_to, e.by) for e in t.events] == [(1, None, d.PENDING, "窗口-李")]


def test_unknown_entity_is_refused_naming_it(lake):
    _person_warehouse(lake)
    with pytest.raises(DisputeError, match="unknown entity '370000000000000000'.*base.base_population__person"):
        d.file_dispute(lake, "370000000000000000", "population.name", "x", by="窗口")


def test_claiming_the_golden_value_itself_is_refused(lake):
    _person_warehouse(lake)
    with pytest.raises(DisputeError, match="already is '徐秀'"):
        d.file_dispute(lake, PERSON, "population.name", "徐秀", by="窗口")


def test_attribute_without_a_golden_column_is_refused(lake):
    _person_warehouse(lake)
    with pytest.raises(DisputeError, match="population.gender has no golden column gender"):
        d.file_dispute(lake, PERSON, "population.gender", "1", by="窗口")


def test_events_are_appended_never_rewritten(lake):
    _person_warehouse(lake)
    t = d.file_dispute(lake, PERSON, "population.name", "徐秀英", by="窗口")
    d.assign(lake, t.ticket_id, to="公安-王", by="科长")
    t = d.reject(lake, t.ticket_id, reason="与户籍底册一致", by="公安-王")
    assert t.status == d.REJECTED and t.assignee == "公安-王"
    assert [(e.status_from, e.status_to, e.by) for e in t.events] == [
        (None, d.PENDING, "窗口"),
        (d.PENDING, d.VERIFYING, "科长"),
        (d.VERIFYING, d.REJECTED, "公安-王"),
    ]
    with pytest.raises(DisputeError, match="is 驳回 rejected: assign is allowed only"):
        d.assign(lake, t.ticket_id, to="x")
    assert len(d.get_ticket(lake, t.ticket_id).events) == 3


def _set_golden(lake, name, batch, source="gaj.household_register"):
    con = duckdb.connect(str(lake.warehouse))
    con.execute(
        "UPDATE base.base_population__person SET name = ?, name__batch = ?, name__source = ?", [name, batch, source]
    )
    con.close()


def test_close_corrected_needs_a_later_batch_of_the_authority_with_another_value(lake):
    _person_warehouse(lake)
    t = d.file_dispute(lake, PERSON, "population.name", "徐秀英", by="窗口")
    _set_golden(lake, "徐秀", "2026-10-04")  # a later batch repeating the value
    assert d.close_corrected(lake) == []
    _set_golden(lake, "徐秀英", "2026-10-05", source="mzj.marriage_register")  # not the authority
    assert d.close_corrected(lake) == []
    _set_golden(lake, "徐秀英", "2026-10-05")
    [closed] = d.close_corrected(lake)
    assert (closed.ticket_id, closed.new_value, closed.new_batch, closed.matches_claim) == (
        t.ticket_id,
        "徐秀英",
        "2026-10-05",
        True,
    )
    t = d.get_ticket(lake, t.ticket_id)
    assert t.status == d.CORRECTED and t.events[-1].by == d.SYSTEM and t.events[-1].golden_batch == "2026-10-05"
    assert d.close_corrected(lake) == []  # closed once


def test_list_filters_by_status_and_department(lake):
    _person_warehouse(lake)
    a = d.file_dispute(lake, PERSON, "population.name", "徐秀英", by="窗口")
    b = d.file_dispute(lake, PERSON, "population.name", "徐绣", by="窗口")
    d.reject(lake, b.ticket_id, reason="无依据", by="公安")
    assert [t.ticket_id for t in d.list_tickets(lake, status="pending")] == [a.ticket_id]
    assert [t.ticket_id for t in d.list_tickets(lake, department="公安")] == [a.ticket_id, b.ticket_id]
    assert d.list_tickets(lake, department="scjg") == []


def test_dispute_help_explains_the_workflow_in_chinese_and_english():
    out = runner.invoke(app, ["dispute", "--help"], env={"COLUMNS": "200"}).output
    for word in ("待核实", "pending", "核实中", "verifying", "已更正", "corrected", "驳回", "rejected", "回流"):
        assert word in out
    for command in ("file", "list", "show", "assign", "reject"):
        assert command in out


@pytest.mark.parametrize("command", ["file", "list", "show", "assign", "reject", "close-corrected"])
def test_each_dispute_command_has_a_help_page(command):
    result = runner.invoke(app, ["dispute", command, "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert len(result.output.split("Usage:", 1)[1].split()) > 12


def _dispute(lake, *args: str):
    """`govlake dispute ARGS --home <lake>` on a wide console."""
    return runner.invoke(app, ["dispute", *args, "--home", str(lake.home)], env={"COLUMNS": "200"})


def _file(lake, attribute: str, claimed: str, by: str, *more: str):
    return _dispute(
        lake, "file", "--entity", PERSON, "--attribute", attribute, "--claimed-value", claimed, "--by", by, *more
    )


def test_cli_errors_name_what_was_wrong(lake):
    _person_warehouse(lake)
    result = _file(lake, "population.nme", "x", "t")
    assert result.exit_code == 2 and "unknown attribute 'population.nme'" in result.output
    result = _dispute(lake, "show", "DSP-00009")
    assert result.exit_code == 2 and "DSP-00009" in result.output


def test_the_console_shows_no_id_number_or_mobile_in_clear(lake):
    _person_warehouse(lake)
    filed = _file(lake, "population.name", "徐秀英", "窗口-李 13912345678", "--note", f"户口簿 {PERSON}")
    assert filed.exit_code == 0, filed.output
    ticket = re.search(r"DSP-\d+", filed.output).group(0)
    shown = _dispute(lake, "show", ticket)
    assert shown.exit_code == 0, shown.output
    listed = _dispute(lake, "list")
    assert listed.exit_code == 0 and ticket in listed.output, listed.output
    for output in (filed.output, shown.output, listed.output):
        assert PERSON not in output and "13912345678" not in output
    assert PERSON[:6] + "********" + PERSON[-4:] in shown.output


def _audited(lake) -> list[tuple]:
    from govlake import audit

    lines = [line for f in audit.log_files(lake) for line in f.read_text(encoding="utf-8").splitlines()]
    return [(r["action"], r["subject"], r["outcome"], r["actor"], r["details"]) for r in map(json.loads, lines)]


def test_every_dispute_step_taken_or_refused_is_in_the_audit_log_with_who_took_it(lake):
    _person_warehouse(lake)
    t = d.file_dispute(lake, PERSON, "population.name", "徐秀英", by="窗口-李", note="户口簿")
    d.assign(lake, t.ticket_id, to="公安-王")
    with pytest.raises(DisputeError):
        d.file_dispute(lake, PERSON, "population.name", "徐秀", by="窗口-李")  # the golden value itself
    _set_golden(lake, "徐秀英", "2026-10-05")
    d.close_corrected(lake)
    with pytest.raises(DisputeError):
        d.reject(lake, t.ticket_id, reason="无依据", by="公安-王")  # already 已更正
    steps = [(action, subject, outcome, actor) for action, subject, outcome, actor, _ in _audited(lake)]
    assert steps == [
        ("dispute.file", t.ticket_id, "ok", "窗口-李"),
        ("dispute.assign", t.ticket_id, "ok", "公安-王"),
        ("dispute.file", "population.name", "refused", "窗口-李"),
        ("dispute.correct", t.ticket_id, "ok", d.SYSTEM),
        ("dispute.reject", t.ticket_id, "refused", "公安-王"),
    ]
    details = [x[4] for x in _audited(lake)]
    assert details[0]["note"] == "户口簿" and details[1]["status"] == d.VERIFYING
    assert "nothing to dispute" in details[2]["error"] and "reject is allowed only" in details[4]["error"]


def test_id_numbers_and_mobiles_typed_into_a_dispute_stay_masked_in_the_audit_log(lake):
    from govlake import audit

    _person_warehouse(lake)
    filed = _file(lake, "population.name", "徐秀英", "窗口-李 13912345678", "--note", f"户口簿 {PERSON}")
    assert filed.exit_code == 0, filed.output
    text = "".join(f.read_text(encoding="utf-8") for f in audit.log_files(lake))
    assert "dispute.file" in text
    assert PERSON not in text and "13912345678" not in text
    assert PERSON[:6] + "********" + PERSON[-4:] in text and "139****5678" in text
