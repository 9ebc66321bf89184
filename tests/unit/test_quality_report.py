"""The steward report's workbooks and page on a hand-made warehouse: what a department is sent,
and that nothing personal leaves unmasked.

The warehouse holds a few violations, rule results, one 一数一源 conflict and one 数据异议
ticket on two persons whose ID numbers and names are known, scored, gated and disputed by
the project's own functions; the report is written with a workbook cap of 2 rows.
"""

from __future__ import annotations

import re

import duckdb
import pytest
from openpyxl import load_workbook
from stdnum.cn import ric

from govlake.settings import Lake
from quality.report import load_config, write_report
from quality.report.workbook import EXCEL_MAX_ROWS, check_cap

RUN, BATCH = "20261001T000000Z-test", "2026-10-01"
HOUSEHOLD, INSURANCE, PARCEL = "gaj.household_register", "rsj.social_insurance", "zrzy.land_parcel"
ID_A = "37230119770922884" + ric.calc_check_digit("37230119770922884")  # a person in 公安's register
ID_B = "11010519491231002" + ric.calc_check_digit("11010519491231002")
NAME_A, NAME_B, NAME_B_COPY = "欧阳明远", "王小明", "王晓明"
# personal numbers where no column mask expects them: an ID number shifted into a code column
# (as delivered, so unmasked in quality.violations) and a mobile in a dispute's free text
SHIFTED_ID = "37160219900101123" + ric.calc_check_digit("37160219900101123")
MOBILE = "13912345678"
CAP = 2


def _rule(rule_id, dimension, severity, zh):
    source, column = rule_id.split(".", 2)[2].rsplit(".", 1) if rule_id.count(".") >= 3 else (None, None)
    return (
        rule_id,
        dimension,
        rule_id.split(".")[1],
        source,
        column,
        severity,
        zh,
        zh + " (en)",
        "generated",
        None,
        "rows",
        "SELECT 1",
    )


RULES = [
    _rule(f"accuracy.check_digit.{HOUSEHOLD}.id_no", "accuracy", "blocking", "公民身份号码校验码错误"),
    _rule(f"conformity.code_list.{HOUSEHOLD}.ethnicity", "conformity", "warning", "民族不在代码表中"),
    _rule(f"consistency.name_mismatch.{INSURANCE}.name", "consistency", "warning", "名称与权威数据源的黄金值不一致"),
    _rule("completeness.required.tjj.macro_indicator.value", "completeness", "blocking", "必填项指标值为空"),
    _rule(f"completeness.required.{PARCEL}.owner_name", "completeness", "blocking", "必填项权利人为空"),
]
# (source, record_key, column, rule, observed (masked, as quality.runner writes it), file, row)
VIOLATIONS = [
    (HOUSEHOLD, ID_A, "id_no", RULES[0][0], ID_A[:6] + "********" + ID_A[-4:], "hjrk_20261001.csv", 7),
    (HOUSEHOLD, ID_A, "ethnicity", RULES[1][0], "=99", "hjrk_20261001.csv", 7),  # '=' must stay text
    (HOUSEHOLD, ID_B, "ethnicity", RULES[1][0], SHIFTED_ID, "hjrk_20261001.csv", 12),
    (INSURANCE, f"{ID_B}|110", "name", RULES[2][0], "王**", "sbcb_20261001.csv", 3),
] + [(PARCEL, f"P{i}", "owner_name", RULES[4][0], None, "zd_20261001.geojson", i) for i in range(1, 7)]


@pytest.fixture(scope="module")
def report(tmp_path_factory, registry):
    from quality.disputes import assign, file_dispute
    from quality.gate import run_gate
    from quality.scores import record_scores
    from quality.store import RULE_COLUMNS, VIOLATION_COLUMNS, ensure_schema, insert_rows, write_rules

    lake = Lake(tmp_path_factory.mktemp("report") / "lake")
    lake.dbt.mkdir(parents=True)  # the lake lock's directory
    con = duckdb.connect(str(lake.warehouse))
    ensure_schema(con)
    write_rules(con, [])  # quality.dimensions
    insert_rows(con, "quality.rules", RULE_COLUMNS, RULES)
    insert_rows(
        con,
        "quality.violations",
        VIOLATION_COLUMNS,
        [
            (
                RUN,
                s,
                BATCH,
                key,
                col,
                rule,
                rule.split(".")[0],
                next(r[5] for r in RULES if r[0] == rule),
                obs,
                None,
                f,
                row,
            )
            for s, key, col, rule, obs, f, row in VIOLATIONS
        ],
    )
    con.execute(
        "INSERT INTO quality.rule_results VALUES "
        f"('{RUN}', '{RULES[0][0]}', '{HOUSEHOLD}', '{BATCH}', 'accuracy', 'blocking', 100, 1, 0.99, now()),"
        f"('{RUN}', '{RULES[1][0]}', '{HOUSEHOLD}', '{BATCH}', 'conformity', 'warning', 100, 2, 0.98, now()),"
        f"('{RUN}', '{RULES[2][0]}', '{INSURANCE}', '{BATCH}', 'consistency', 'warning', 50, 1, 0.98, now()),"
        f"('{RUN}', '{RULES[3][0]}', 'tjj.macro_indicator', '{BATCH}', 'completeness', 'blocking', 40, 0, 1.0,"
        " now()),"  # 统计: checked, no finding
        f"('{RUN}', '{RULES[4][0]}', '{PARCEL}', '{BATCH}', 'completeness', 'blocking', 20, 6, 0.7, now()),"
        f"('{RUN}', 'accessibility.row_readable.{PARCEL}._row', '{PARCEL}', '{BATCH}', 'accessibility',"
        " 'blocking', 20, 0, 1.0, now())"
    )  # 6 of 20 parcels unusable: the gate holds the batch
    con.execute(f"INSERT INTO quality.runs VALUES ('{RUN}', now(), now(), 3, 3, 4, 4, true, 1.0)")
    con.execute("CREATE SCHEMA base")
    con.execute(
        "CREATE TABLE base.base_population__person AS SELECT * FROM (VALUES "
        f"('{ID_A}', '{NAME_A}', '{HOUSEHOLD}', '{BATCH}'), ('{ID_B}', '{NAME_B}', '{HOUSEHOLD}', '{BATCH}'))"
        " AS t(person_id, name, name__source, name__batch)"
    )
    con.execute(
        "CREATE TABLE base.base_conflicts__conflict AS SELECT * FROM (VALUES "
        f"('person', '{ID_B}', 'name', 'name_mismatch', '{HOUSEHOLD}', '{NAME_B}', '{INSURANCE}', 'rsj',"
        f" 'name', '{NAME_B_COPY}', '{BATCH}', '{BATCH}', 1::BIGINT, 1::BIGINT, 'c0ffee'))"
        " AS t(entity_type, entity_id, attribute, rule, authoritative_source, authoritative_value,"
        " other_source, other_department, other_column, other_value, first_seen_batch, last_seen_batch,"
        " batches_seen, observations, conflict_id)"
    )
    con.execute(  # the delivered row behind the conflict: the violation of the name rule
        "CREATE TABLE base.base_conflicts__observation AS SELECT * FROM (VALUES "
        f"('person', '{ID_B}', 'name', 'name_mismatch', '{HOUSEHOLD}', '{NAME_B}', '{INSURANCE}', 'name',"
        f" '{NAME_B_COPY}', '{BATCH}', 'sbcb_20261001.csv', 3::BIGINT))"
        " AS t(entity_type, entity_id, attribute, rule, authoritative_source, authoritative_value,"
        " other_source, other_column, other_value, _batch, _file, _row_no)"
    )
    con.close()
    record_scores(lake, RUN, registry)
    run_gate(lake)
    ticket = file_dispute(lake, ID_A, "population.name", "欧阳明园", by=f"窗口-李 {MOBILE}", registry=registry)
    assign(lake, ticket.ticket_id, to="公安-王")

    config = load_config()
    config["workbook"]["max_rows"] = CAP
    out = lake.reports / "quality"
    result = write_report(lake, config=config, registry=registry)
    books = {code: load_workbook(path) for code, path in result.workbooks.items()}
    return {
        "result": result,
        "books": books,
        "html": (out / "index.html").read_text(encoding="utf-8"),
        "ticket": ticket.ticket_id,
        "out": out,
    }


def _rows(ws):
    """A list sheet's data rows as dicts keyed by the header's English part."""
    header = [c.split("\n")[-1] for c in next(ws.iter_rows(min_row=2, max_row=2, values_only=True))]
    return [dict(zip(header, r)) for r in ws.iter_rows(min_row=3, values_only=True)]


def _all_text(wb) -> str:
    return "\n".join(str(v) for ws in wb for row in ws.iter_rows(values_only=True) for v in row if v is not None)


def test_one_workbook_per_registry_department_with_its_sheets(report, registry):
    books = report["books"]
    assert set(books) == set(registry.departments)
    lists = ["违规明细", "已解决", "冲突", "数据异议", "历史"]
    for code, wb in books.items():
        assert wb.sheetnames == ["说明", *lists, "工单"]  # 工单: the work order, hidden
        assert report["result"].workbooks[code].endswith(f"/departments/{code}-{registry.departments[code].name}.xlsx")
        for name in lists:
            ws = wb[name]
            assert ws.freeze_panes == "A3" and ws.auto_filter.ref.startswith("A2:")


def test_a_known_violation_is_listed_with_its_location_masked(report):
    rows = _rows(report["books"]["gaj"]["违规明细"])
    row = next(r for r in rows if r["rule id"] == RULES[0][0])
    masked_id = ID_A[:6] + "********" + ID_A[-4:]
    assert (row["source"], row["batch"], row["column"], row["file"], row["row"]) == (
        HOUSEHOLD,
        BATCH,
        "id_no",
        "hjrk_20261001.csv",
        7,
    )
    assert row["record key, masked"] == masked_id and row["observed, masked"] == masked_id
    assert row["message"] == "公民身份号码校验码错误" and row["severity"] == "阻断 blocking"
    # the second key part of 人社's key (insurance type) is not personal: only the ID is masked
    (ins,) = _rows(report["books"]["rsj"]["违规明细"])
    assert ins["record key, masked"] == ID_B[:6] + "********" + ID_B[-4:] + "|110"


def test_a_value_that_looks_like_a_formula_stays_text(report):
    ws = report["books"]["gaj"]["违规明细"]
    cells = [c for row in ws.iter_rows(min_row=3) for c in row if c.value == "=99"]
    assert cells and all(c.data_type == "s" for c in cells)


def test_the_cap_cuts_the_list_and_the_sheet_says_so(report):
    ws = report["books"]["gaj"]["违规明细"]
    assert len(_rows(ws)) == CAP  # 3 violations, capped at 2
    note = ws["A1"].value
    assert f"first {CAP:,} of 3 rows" in note and "workbook.max_rows" in note
    assert "共 1 行" in report["books"]["rsj"]["违规明细"]["A1"].value


def test_conflicts_and_disputes_go_to_the_department_they_are_routed_to(report):
    books = report["books"]
    (conflict,) = _rows(books["rsj"]["冲突"])
    assert conflict["entity, masked"] == ID_B[:6] + "********" + ID_B[-4:]
    assert conflict["golden value, masked"] == "王**"
    assert _rows(books["gaj"]["冲突"]) == []
    (ticket,) = _rows(books["gaj"]["数据异议"])
    assert ticket["ticket"] == report["ticket"] and ticket["status"] == "核实中"
    assert (ticket["claimed value, masked"], ticket["value when filed, masked"]) == ("欧***", "欧***")
    assert ticket["assignee"] == "公安-王"
    assert _rows(books["rsj"]["数据异议"]) == []


def test_a_departments_workbook_shows_its_own_delivered_value_in_full_and_masks_the_golden_one(report):
    (conflict,) = _rows(report["books"]["rsj"]["冲突"])
    assert conflict["your value, as you delivered it"] == NAME_B_COPY
    assert NAME_B not in _all_text(report["books"]["rsj"])


def test_two_masked_names_that_read_alike_show_where_they_differ(report):
    (conflict,) = _rows(report["books"]["rsj"]["冲突"])
    assert conflict["where they differ"] == "○●○ (2)"  # 王小明 / 王晓明: the second character
    assert "○●○ (2)" in report["html"]


def test_nothing_personal_leaves_unmasked(report):
    for code, wb in report["books"].items():
        text = _all_text(wb)
        own = {NAME_B_COPY} if code == "rsj" else set()  # rsj delivered it, and holds it already
        for secret in {ID_A, ID_B, NAME_A, NAME_B, NAME_B_COPY, "欧阳明园"} - own:
            assert secret not in text
    for secret in (ID_A, ID_B, NAME_A, NAME_B, NAME_B_COPY, "欧阳明园"):
        assert secret not in report["html"]


def test_personal_numbers_outside_their_columns_are_masked_by_pattern(report):
    # an ID number delivered in another column, a mobile in a dispute's free text
    for text in [_all_text(wb) for wb in report["books"].values()] + [report["html"]]:
        assert SHIFTED_ID not in text and MOBILE not in text
    shown = "\n".join([_all_text(wb) for wb in report["books"].values()] + [report["html"]])
    assert SHIFTED_ID[:6] + "********" + SHIFTED_ID[-4:] in shown and MOBILE[:3] + "****" + MOBILE[-4:] in shown


def test_summary_sheet_names_the_department_run_and_scores(report):
    text = _all_text(report["books"]["gaj"])
    for part in ("滨州市公安局 (gaj)", RUN, "准确性 accuracy", "总分 overall", RULES[0][0]):
        assert part in text


def test_the_page_lists_every_department_and_links_its_workbook(report, registry):
    html = report["html"]
    table = html.split('<table id="scorecard"', 1)[1].split("</table>", 1)[0]
    assert sorted(re.findall(r'<tr data-department="(\w+)">', table)) == sorted(registry.departments)
    for code, dept in registry.departments.items():
        assert dept.name in table
        assert f'href="departments/{code}-{dept.name}.xlsx"' in table
    tjj = table.split('data-department="tjj"', 1)[1].split("</tr>", 1)[0]
    assert "100.00" in tjj  # checked, nothing failed
    yjj = table.split('data-department="yjj"', 1)[1].split("</tr>", 1)[0]
    assert "—" in yjj and "100.00" not in yjj  # no results at all: no score, still listed
    assert report["ticket"] in html and RULES[0][0] in html


def test_the_page_shows_the_batch_the_gate_holds_and_why(report):
    assert report["result"].held == [f"{PARCEL} {BATCH}"]
    section = report["html"].split('id="gate-section"', 1)[1].split("</section>", 1)[0]
    held = section.split('<table id="gate"', 1)[1]
    assert PARCEL in held and "30.00%" in held and "10.00%" in held and RULES[4][0] in held


def test_plotly_js_is_written_beside_the_page_not_fetched(report):
    html = report["html"]
    (src,) = re.findall(r'<script src="([^"]+)"', html)
    assert not re.search(r"https?://", src) and (report["out"] / src).stat().st_size > 1_000_000
    assert "cdn" not in src.lower()


def test_the_cap_must_fit_an_excel_sheet():
    assert check_cap(EXCEL_MAX_ROWS - 2) == EXCEL_MAX_ROWS - 2
    for bad in (0, EXCEL_MAX_ROWS):
        with pytest.raises(ValueError, match="1,048,576"):
            check_cap(bad)


def test_the_history_sheet_sums_each_source_and_batch_and_does_not_list_every_row(report):
    (row,) = _rows(report["books"]["gaj"]["历史"])
    assert (row["source"], row["batch"], row["findings"], row["blocking"], row["rules failed"]) == (
        HOUSEHOLD,
        BATCH,
        3,
        1,
        2,
    )
    assert 0 <= row["overall score"] <= 100
    (parcels,) = _rows(report["books"]["zrzy"]["历史"])
    assert (parcels["findings"], parcels["blocking"], parcels["rules failed"]) == (6, 6, 1)
