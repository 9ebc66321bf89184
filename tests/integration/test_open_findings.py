"""One scope for the steward: open findings (quality/findings.py), through `govlake run` with real
ingestion, dbt, DuckDB and Great Expectations.

A generated city with injected defects is run once; then 大数据局 re-delivers, in a new daily
batch of its e-licence increments, one record that an earlier batch delivered with a defect - the
record as the clean rendering of the same city has it - and the pipeline runs again. The
scorecard, the counts, the worst rules and the workbooks must agree on the open findings, and
the corrected record's finding must be resolved everywhere.
"""

from __future__ import annotations

import json
import shutil
from collections import Counter
from datetime import date, timedelta

import duckdb
import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from conductor.cli import app
from govlake.registry import load_registry
from govlake.settings import Lake
from quality.report import load_config
from quality.report.data import collect
from synth.generate import generate_city
from tests.lake_fixtures import file_name, make_batch

pytestmark = pytest.mark.slow

PERSONS, SEED = 1500, 7
INCREMENT = "dsj.e_licence"  # daily increments, one JSON record a line
HEADER_ROWS = 2  # a list sheet's note and header


def _run(landing, lake):
    result = CliRunner().invoke(
        app, ["run", "--landing", str(landing), "--home", str(lake.home)], env={"COLUMNS": "250"}
    )
    assert result.exit_code in (0, 1), result.output  # 1: the gate held a batch
    return result


def _findings(lake: Lake, where: str = "true") -> list[dict]:
    with duckdb.connect(str(lake.warehouse), read_only=True) as con:
        cur = con.execute(f"SELECT * FROM quality.findings WHERE {where}")
        names = [d[0] for d in cur.description]
        return [dict(zip(names, r)) for r in cur.fetchall()]


def _corrected_line(clean_landing, finding: dict) -> str | None:
    """The record of a finding as the clean rendering of the city delivers it."""
    path = clean_landing / INCREMENT / finding["batch"] / finding["_file"]
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    hits = [line for line in lines if finding["record_key"] in json.loads(line).values()]
    return hits[0] if len(hits) == 1 else None


@pytest.fixture(scope="module")
def city(tmp_path_factory):
    root = tmp_path_factory.mktemp("open-findings")
    landing, clean = root / "landing", root / "clean"
    generate_city(landing, persons=PERSONS, seed=SEED)
    generate_city(clean, persons=PERSONS, seed=SEED, defect_rate=0.0)
    lake = Lake(root / "lake")
    _run(landing, lake)
    first = _findings(lake)
    report = collect(lake, load_config())

    latest = max(p.name for p in (landing / INCREMENT).iterdir() if p.is_dir())
    older = [
        f
        for f in first
        if f["source_id"] == INCREMENT
        and f["status"] == "open"
        and f["batch"] < latest
        and f["record_key"]
        and ".unique_key." not in f["rule_id"]
        and not f["rule_id"].endswith(("._file", "._batch"))
    ]
    corrected = next((f for f in older if _corrected_line(clean, f)), None)
    assert corrected, f"the city has no open finding of an earlier {INCREMENT} batch to correct"
    batch = (date.fromisoformat(latest) + timedelta(days=1)).isoformat()
    source = load_registry().sources[INCREMENT]
    make_batch(
        landing,
        INCREMENT,
        batch,
        {file_name(source, batch): (_corrected_line(clean, corrected) + "\n").encode("utf-8")},
    )
    _run(landing, lake)
    yield {
        "lake": lake,
        "first": first,
        "report": report,
        "corrected": corrected,
        "batch": batch,
        "second": _findings(lake),
        "after": collect(lake, load_config()),
    }
    shutil.rmtree(root, ignore_errors=True)


def _open(findings):
    return [f for f in findings if f["status"] != "resolved"]


def test_the_scorecard_counts_the_open_findings_of_each_department(city):
    data = city["report"]
    by_department = Counter(f["source_id"].split(".")[0] for f in _open(city["first"]))
    for card in data.departments:
        assert card.violations == by_department.get(card.code, 0), card.code
        rows = {
            (f["rule_id"], f["batch"], f["_file"], f["_row_no"])
            for f in _open(city["first"])
            if f["source_id"].split(".")[0] == card.code
        }
        assert card.failed == len(rows), card.code  # the scorecard's failed rows


def test_the_worst_rules_add_up_to_the_scorecard(city):
    data = city["report"]
    for card in data.departments:
        assert sum(r["failed"] for r in data.rows[card.code].rules) == card.failed, card.code


def test_each_workbook_lists_exactly_its_open_findings(city):
    data = city["report"]
    for card in data.departments:
        assert len(data.rows[card.code].violations) == card.violations, card.code
    path = city["lake"].reports / "quality" / "departments"
    book = load_workbook(next(path.glob("dsj-*.xlsx")), read_only=True)
    ids = [r[0] for r in book["违规明细"].iter_rows(min_row=HEADER_ROWS + 1, values_only=True)]
    expected = sorted(f["finding_id"] for f in _open(city["second"]) if f["source_id"].startswith("dsj."))
    assert sorted(ids) == expected


def test_a_full_snapshot_counts_only_its_latest_batch(city):
    registry = load_registry()
    full = {s.id for s in registry.sources.values() if s.delivery.mode == "full"}
    with duckdb.connect(str(city["lake"].warehouse), read_only=True) as con:
        latest = dict(con.execute("SELECT source_id, max(batch) FROM quality.violations GROUP BY 1").fetchall())
    stale = [f for f in _open(city["first"]) if f["source_id"] in full and f["batch"] != latest[f["source_id"]]]
    assert not stale


def test_a_record_corrected_by_a_later_increment_is_resolved(city):
    fixed = city["corrected"]
    after = {f["finding_id"]: f for f in city["second"]}
    assert after[fixed["finding_id"]]["status"] == "resolved"
    assert not any(
        f["record_key"] == fixed["record_key"] and f["rule_id"] == fixed["rule_id"] for f in _open(city["second"])
    )


def test_a_correction_lowers_the_departments_open_count_by_one_finding(city):
    before = {c.code: c for c in city["report"].departments}["dsj"]
    after = {c.code: c for c in city["after"].departments}["dsj"]
    assert after.violations == before.violations - 1
    assert after.resolved_findings == 1
    assert after.failed == before.failed - 1


def test_findings_still_open_are_marked_open_and_not_new(city):
    first_open = {f["finding_id"] for f in _open(city["first"]) if f["source_id"] == INCREMENT}
    second = {f["finding_id"]: f["status"] for f in city["second"] if f["source_id"] == INCREMENT}
    kept = first_open - {city["corrected"]["finding_id"]}
    assert kept and all(second[i] == "open" for i in kept)


def _work_orders(lake: Lake) -> dict[str, dict]:
    from govlake.settings import today
    from quality.report.data import work_order_rows

    with duckdb.connect(str(lake.warehouse), read_only=True) as con:
        return {r["department"]: r for r in work_order_rows(con, load_registry(), today())}


def test_the_finding_a_later_delivery_corrected_counts_as_fixed_in_the_work_orders(city):
    orders = _work_orders(city["lake"])
    assert {code: r["fixed"] for code, r in orders.items() if r["fixed"]} == {"dsj": 1}
    for card in city["after"].departments:
        assert orders[card.code]["open_items"] == card.violations, card.code


def test_each_departments_workbook_returned_as_sent_is_accepted(city):
    from quality.feedback import import_feedback

    lake = city["lake"]
    for card in city["after"].departments:
        (path,) = (lake.reports / "quality" / "departments").glob(f"{card.code}-*.xlsx")
        imported = import_feedback(lake, path, by="steward")
        assert (imported.department, imported.listed, imported.recorded) == (card.code, card.violations, 0)


def test_a_departments_answers_on_the_city_are_recorded_and_counted(city, tmp_path):
    from quality.feedback import import_feedback
    from tests.work_order_lake import fill

    lake = city["lake"]
    (path,) = (lake.reports / "quality" / "departments").glob("dsj-*.xlsx")
    returned = fill(path, {1: ("已整改", "已重新交付"), 2: ("有异议", None)}, out=tmp_path / "dsj.xlsx")
    assert import_feedback(lake, returned, by="大数据局-刘").recorded == 2
    assert _work_orders(lake)["dsj"]["answered"] == 2
