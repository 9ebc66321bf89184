"""The steward report of a generated city, opened in a real headless browser.

One city (600 persons, seed 17, 5 % defects) goes through `govlake run` (ingest, dbt, quality,
gate, report); a 数据异议 ticket is filed and `govlake quality report` writes the report
again. Debian's chromium, driven by playwright (no browser download: `make browser`
installs chromium and a CJK font), opens index.html from disk and the page must load with
no console error and no request outside file://, list all 12 departments in the scorecard,
render the charts, and show the worst rules and the ticket - with no ID number of a person
of the city anywhere on the page. The GX Data Docs the run built (the index and a validation
page) load offline too, styled, with their tables drawn and the note that tells GX's rule
share from the scorecard's row share, its numbers those of the warehouse.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from conductor.cli import app
from govlake.settings import Lake
from tests.integration.test_quality_gate import _run

pytestmark = pytest.mark.slow

PERSONS, SEED = 600, 17
CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="module")
def city(tmp_path_factory):
    from quality.disputes import file_dispute
    from synth import generate_city

    root = tmp_path_factory.mktemp("report")
    landing, lake = root / "landing", Lake(root / "lake")
    generate_city(landing, persons=PERSONS, seed=SEED, defect_rate=0.05)
    ran = _run(landing, lake)
    assert "Steward report:" in " ".join(ran.output.split()), ran.output  # the pipeline wrote it
    with duckdb.connect(str(lake.warehouse), read_only=True) as con:
        persons = [r[0] for r in con.execute("SELECT person_id FROM base.base_population__person").fetchall()]
    ticket = file_dispute(lake, persons[0], "population.name", "张三丰", by="窗口-李")
    reported = CliRunner().invoke(app, ["quality", "report", "--home", str(lake.home)], env={"COLUMNS": "250"})
    assert reported.exit_code == 0, reported.output
    return {"lake": lake, "persons": persons, "ticket": ticket.ticket_id, "output": reported.output}


@pytest.fixture(scope="module")
def page(city):
    """What the browser saw: console messages, requests, and the page's content."""
    if not Path(CHROMIUM).exists() or shutil.which("chromium") is None:
        pytest.fail(f"{CHROMIUM} is missing: `make browser` installs Debian's chromium and a CJK font")
    from playwright.sync_api import sync_playwright

    index = city["lake"].reports / "quality" / "index.html"
    messages, requests = [], []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            tab = browser.new_page(viewport={"width": 1400, "height": 1000})
            tab.on("console", lambda m: messages.append((m.type, m.text)))
            tab.on("pageerror", lambda e: messages.append(("pageerror", str(e))))
            tab.on("request", lambda r: requests.append(r.url))
            response = tab.goto(index.as_uri(), wait_until="load")
            tab.wait_for_selector("#chart-scorecard .main-svg", timeout=30_000)
            seen = tab.evaluate("""() => ({
                departments: [...document.querySelectorAll('#scorecard tbody tr')].map(tr => ({
                    code: tr.dataset.department, text: tr.innerText,
                    overall: tr.querySelector('td.overall').innerText})),
                bars: document.querySelectorAll('#chart-scorecard .trace.bars .point').length,
                heatmap: document.querySelectorAll('#chart-dimensions .main-svg').length,
                trend: document.querySelectorAll('#chart-trend .scatterlayer .trace').length,
                overflowing: [...document.querySelectorAll('.plotly-graph-div')].filter(d =>
                    d.querySelector('.main-svg').getBoundingClientRect().width
                        > d.parentElement.getBoundingClientRect().width + 1).map(d => d.id),
                worst: [...document.querySelectorAll('#worst-rules tbody tr')].map(tr => tr.innerText),
                violations: document.querySelectorAll('#violations tbody tr').length,
                disputes: document.querySelector('#disputes').innerText,
                docs: document.querySelector('#data-docs-link') && document.querySelector('#data-docs-link').href,
                rejected: [...document.querySelectorAll('#scorecard tbody tr.rejected')].map(tr => ({
                    code: tr.dataset.department, border: getComputedStyle(tr.cells[0]).borderLeftColor,
                    cells: [...tr.querySelectorAll('td.bad')].length})),
                priorities: [...document.querySelectorAll('#priorities-section article.priorities')].map(a => ({
                    code: a.dataset.department, rules: a.querySelectorAll('table.by-findings tbody tr').length,
                    shares: a.querySelectorAll('table.by-share tbody tr').length,
                    history: a.querySelectorAll('details.history tbody tr').length})),
                statuses: [...document.querySelectorAll('#violations tbody tr[data-status]')].map(tr => ({
                    status: tr.dataset.status, label: tr.cells[1].innerText})),
                details: [...document.querySelectorAll('#violations tbody tr[data-status]')].map(tr =>
                    tr.cells[tr.cells.length - 2].innerText),
                severities: [...document.querySelectorAll('#violations .sev')].map(e => e.innerText),
                text: document.body.textContent,  // collapsed <details> included
            })""")
            # sorting works: a click on the overall header orders the rows by score
            tab.click("#scorecard thead th:nth-child(8)")
            sorted_scores = tab.evaluate("""() => [...document.querySelectorAll('#scorecard tbody td.overall')]
                .map(td => Number(td.dataset.sort))""")
        finally:
            browser.close()
    return {"ok": response.ok, "messages": messages, "requests": requests, "seen": seen, "sorted": sorted_scores}


def test_the_pipeline_and_the_command_say_where_the_report_is(city):
    out = " ".join(city["output"].split())
    assert str(city["lake"].reports / "quality" / "index.html") in out
    assert "12 XLSX" in out
    assert len(list((city["lake"].reports / "quality" / "departments").glob("*.xlsx"))) == 12


def test_the_page_loads_offline_without_errors(page):
    assert page["ok"]
    assert not [m for m in page["messages"] if m[0] in ("error", "pageerror")], page["messages"]
    assert page["requests"] and all(u.startswith("file://") for u in page["requests"]), page["requests"]


def test_the_scorecard_lists_all_twelve_departments_with_a_score(page, registry):
    rows = page["seen"]["departments"]
    assert sorted(r["code"] for r in rows) == sorted(registry.departments) and len(rows) == 12
    for r in rows:
        assert registry.departments[r["code"]].name in r["text"]
        assert float(r["overall"]) <= 100  # every department delivered: each has a score
    assert page["sorted"] == sorted(page["sorted"])


def test_the_charts_rendered(page):
    seen = page["seen"]
    assert seen["bars"] == 12
    assert seen["heatmap"] >= 1
    assert seen["trend"] >= 10  # one line per department with scored batches
    assert seen["overflowing"] == []  # each chart fits its box (none drawn wider and cut off)


def test_worst_rules_violations_and_disputes_are_shown(page, city):
    seen = page["seen"]
    assert seen["worst"] and all(row.split()[0].count(".") >= 3 for row in seen["worst"])  # rule ids
    assert seen["violations"] > 0
    assert city["ticket"] in seen["disputes"] and "待核实" in seen["disputes"]
    assert seen["docs"] and seen["docs"].endswith("data_docs/index.html")


def test_the_priorities_list_every_department_with_its_top_rules_and_history(page, city, registry):
    priorities = {p["code"]: p for p in page["seen"]["priorities"]}
    assert set(priorities) == set(registry.departments)
    with duckdb.connect(str(city["lake"].warehouse), read_only=True) as con:
        with_findings = {
            d
            for (d,) in con.execute(
                "SELECT DISTINCT split_part(source_id, '.', 1) FROM quality.findings WHERE status <> 'resolved'"
            ).fetchall()
        }
    assert with_findings
    for code in with_findings:
        assert priorities[code]["rules"] >= 1 and priorities[code]["shares"] >= 1, code
    assert all(p["history"] >= 1 for p in priorities.values() if p["code"] in with_findings)


def test_each_open_finding_is_marked_new_or_still_open_in_chinese(page):
    statuses = page["seen"]["statuses"]
    assert statuses and {s["status"] for s in statuses} <= {"new", "open"}
    for s in statuses:
        assert s["label"].startswith({"new": "新增", "open": "未解决"}[s["status"]]), s


def test_codes_and_details_read_chinese_first(page):
    assert page["seen"]["severities"] and all(s.split()[0] in ("阻断", "警告") for s in page["seen"]["severities"])
    bare_codes = [d for d in page["seen"]["details"] if re.fullmatch(r"[a-z_]+(:[a-z_0-9]+)?", d.strip())]
    assert bare_codes == []
    assert any(re.search(r"[\u4e00-\u9fff]", d) for d in page["seen"]["details"] if d.strip())


def test_a_department_with_a_file_rejected_in_its_current_data_is_marked_red(page, city):
    # current data: a full snapshot's latest batch, every batch of an increment (quality/findings.py)
    with duckdb.connect(str(city["lake"].warehouse), read_only=True) as con:
        expected = {
            d
            for (d,) in con.execute(
                "SELECT DISTINCT split_part(source_id, '.', 1) FROM quality.findings "
                "WHERE status <> 'resolved' AND rule_id LIKE 'accessibility.file_readable.%'"
            ).fetchall()
        }
    rejected = page["seen"]["rejected"]
    assert expected and {r["code"] for r in rejected} == expected  # the generator forces rejected files
    for r in rejected:
        assert r["border"] == "rgb(198, 40, 40)"  # --bad
        assert r["cells"] >= 1  # a fallen dimension is in the red band


def test_no_person_is_identified_on_the_page(page, city):
    text = page["seen"]["text"]
    leaked = [p for p in city["persons"] if p in text]
    assert not leaked, leaked[:5]


DOCS_SOURCE = "gaj.household_register"


def _browse(browser, path: Path, script: str, act=None):
    """Open a page from disk: what it requested, what failed, its console, `script`'s result and
    what `act` did on the page (a click, a search)."""
    messages, requests, failed = [], [], []
    tab = browser.new_page(viewport={"width": 1400, "height": 1000})
    tab.on("console", lambda m: messages.append((m.type, m.text)))
    tab.on("pageerror", lambda e: messages.append(("pageerror", str(e))))
    tab.on("request", lambda r: requests.append(r.url))
    tab.on("requestfailed", lambda r: failed.append(r.url))
    tab.goto(path.as_uri(), wait_until="load")
    seen = tab.evaluate(script)
    acted = act(tab) if act else None
    return {"messages": messages, "requests": requests, "failed": failed, "seen": seen, "acted": acted}


def _use_the_index_table(tab):
    """Sort by asset, search for DOCS_SOURCE, click its row: what each step showed."""
    assets = "() => [...document.querySelectorAll('table.govlake-table tbody tr')].map(tr => tr.cells[3].innerText)"
    tab.click("table.govlake-table thead th:nth-child(4)")
    by_asset = tab.evaluate(assets)
    tab.fill("input[type=search]", DOCS_SOURCE)
    found = tab.evaluate(assets)
    tab.click("table.govlake-table tbody tr")
    tab.wait_for_load_state("load")
    return {"by_asset": by_asset, "found": found, "opened": tab.url}


@pytest.fixture(scope="module")
def docs(city):
    """What the browser saw of the GX Data Docs: the index and the validation page of DOCS_SOURCE."""
    from playwright.sync_api import sync_playwright

    root = city["lake"].reports / "quality" / "data_docs"
    (validation,) = root.glob(f"validations/{DOCS_SOURCE.replace('.', '/')}/*/*/*.html")
    common = """() => ({
        note: document.querySelector('#govlake-numbers') && document.querySelector('#govlake-numbers').innerText,
        rules: document.querySelector('#govlake-rule-share') && document.querySelector('#govlake-rule-share').innerText,
        rows: document.querySelector('#govlake-row-share') && document.querySelector('#govlake-row-share').innerText,
        report: document.querySelector('#govlake-report-link') && document.querySelector('#govlake-report-link').href,
        bootstrap: getComputedStyle(document.querySelector('.alert-secondary')).backgroundColor,
        icon: getComputedStyle(document.querySelector('i.fas'), '::before').fontFamily,
        rows_drawn: [...document.querySelectorAll('table tbody tr')].filter(tr => tr.offsetHeight > 0).length,
        table: [...document.querySelectorAll('table tbody tr')].map(tr => tr.innerText).join('\\n'),
    })"""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make browser` installs Debian's chromium and a CJK font")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            return {
                "root": root,
                "index": _browse(browser, root / "index.html", common, _use_the_index_table),
                "validation": _browse(browser, validation, common),
            }
        finally:
            browser.close()


def test_the_data_docs_load_offline_without_errors(docs):
    for name in ("index", "validation"):
        page = docs[name]
        assert page["requests"] and all(u.startswith("file://") for u in page["requests"]), (name, page["requests"])
        assert page["failed"] == [], (name, page["failed"])  # every local asset is there
        assert not [m for m in page["messages"] if m[0] in ("error", "pageerror")], (name, page["messages"])


def test_the_data_docs_are_styled_and_their_tables_drawn(docs, city):
    run_dir = max((city["lake"].reports / "quality" / "gx").iterdir(), key=lambda p: p.stat().st_mtime)
    validations = json.loads((run_dir / "checkpoint.json").read_text(encoding="utf-8"))["validations"]
    index, validation = docs["index"]["seen"], docs["validation"]["seen"]
    for seen in (index, validation):
        assert seen["bootstrap"] == "rgb(226, 227, 229)"  # Bootstrap 4's .alert-secondary
        assert "Font Awesome" in seen["icon"]  # the status icons
    # the index lists the run's validations (drawn by table.js), one row each, plus the note's table
    assert all(v["source_id"] in index["table"] for v in validations)
    assert index["rows_drawn"] >= len(validations)
    (stats,) = [v["statistics"] for v in validations if v["source_id"] == DOCS_SOURCE]
    assert validation["rows_drawn"] >= stats["evaluated_expectations"]  # a row per expectation


def test_the_data_docs_explain_the_rule_share_beside_the_row_share(docs, city):
    run_dir = max((city["lake"].reports / "quality" / "gx").iterdir(), key=lambda p: p.stat().st_mtime)
    stats = json.loads((run_dir / f"{DOCS_SOURCE}.json").read_text(encoding="utf-8"))["statistics"]
    with duckdb.connect(str(city["lake"].warehouse), read_only=True) as con:
        checked, passed = con.execute(
            "SELECT sum(checked), sum(greatest(checked - failed, 0)) FROM quality.rule_results "
            "WHERE source_id = ? AND checked > 0 AND run_id = (SELECT max(run_id) FROM quality.runs)",
            [DOCS_SOURCE],
        ).fetchall()[0]
    seen = docs["validation"]["seen"]
    assert "规则通过率" in seen["note"] and "通过的规则数 / 规则数" in seen["note"]
    assert "评分卡得分 = 通过的行数 / 检查的行数" in seen["note"]
    assert f"{stats['successful_expectations']} / {stats['evaluated_expectations']}" in seen["rules"]
    assert f"{passed:,} / {checked:,}" in seen["rows"]
    assert "规则通过率" in docs["index"]["seen"]["note"]
    for name in ("index", "validation"):
        assert docs[name]["seen"]["report"] == (city["lake"].reports / "quality" / "index.html").as_uri()


def test_the_data_docs_index_sorts_searches_and_opens_a_validation(docs):
    acted = docs["index"]["acted"]
    assert len(acted["by_asset"]) > 1 and acted["by_asset"] == sorted(acted["by_asset"])
    assert acted["found"] == [DOCS_SOURCE]
    assert acted["opened"].endswith(f"warehouse-{DOCS_SOURCE}.html") and "/validations/" in acted["opened"]
