"""Files rejected whole lower their batch's score and hold the gate, under real ingestion, dbt,
DuckDB and Great Expectations, through `govlake run`.

One generated city without injected defects. Its latest social-insurance snapshot is delivered
in two parts, the second with a column missing from its header (rejected whole); its latest
patent file lacks a column too (the batch is rejected whole); the household register is
untouched. The first run scores what was delivered and is held; the department's corrected
re-delivery under the same batch dates restores the scores and passes.
"""

from __future__ import annotations

import shutil

import duckdb
import pytest
import yaml
from typer.testing import CliRunner

from conductor.cli import app
from govlake.registry import load_registry
from govlake.settings import Lake
from quality.gate import CONFIG_PATH, decide, load_config
from quality.scores import current_scores

pytestmark = pytest.mark.slow

PERSONS, SEED = 500, 11
PARTIAL, WHOLE, CLEAN = "rsj.social_insurance", "scjg.patent", "gaj.household_register"
FALLEN = ("accessibility", "completeness")


def _latest_batch(landing, source_id: str):
    return sorted(p for p in (landing / source_id).iterdir() if p.is_dir())[-1]


def _drop_last_header_column(path) -> None:
    """Cut the header's last column name (a comma is never part of a GB18030 or UTF-8 multibyte
    character, so the bytes are cut safely); the rows keep theirs: the columns differ from the interface."""
    data = path.read_bytes()
    header, sep, rest = data.partition(b"\r\n")
    path.write_bytes(header.rsplit(b",", 1)[0] + sep + rest)


def _split_in_two(path) -> tuple:
    """The file as two parts with the same header, 60 % and 40 % of its rows."""
    header, *rows = [line for line in path.read_bytes().split(b"\r\n") if line]
    cut = len(rows) * 3 // 5
    stem = path.name.removesuffix(".csv")
    one, two = path.with_name(f"{stem}_part1.csv"), path.with_name(f"{stem}_part2.csv")
    one.write_bytes(b"\r\n".join([header, *rows[:cut]]) + b"\r\n")
    two.write_bytes(b"\r\n".join([header, *rows[cut:]]) + b"\r\n")
    path.unlink()
    return one, two


def _run(landing, lake):
    return CliRunner().invoke(app, ["run", "--landing", str(landing), "--home", str(lake.home)], env={"COLUMNS": "250"})


def _state(lake: Lake) -> dict:
    with duckdb.connect(str(lake.warehouse), read_only=True) as con:
        scores = current_scores(con, load_registry())
        pooled = con.execute(
            "SELECT source_id, batch, dimension, sum(checked), sum(checked - least(failed, checked)) "
            "FROM quality.rule_results WHERE checked > 0 GROUP BY ALL"
        ).fetchall()
        gate = con.execute(
            "SELECT source_id, batch, passed, rejected_files, reasons FROM quality.gate_decisions "
            "WHERE gate_id = (SELECT max(gate_id) FROM quality.gate_decisions)"
        ).fetchall()
        held_with_override = {
            (d.source_id, d.batch) for d in decide(con, load_config(lake.home.parent / "override.yaml")) if not d.passed
        }
        held_by_default = {(d.source_id, d.batch) for d in decide(con) if not d.passed}
        batch_scores = con.execute(
            "SELECT source_id, batch, dimension, score FROM quality.scores WHERE level = 'source' "
            "QUALIFY row_number() OVER (PARTITION BY source_id, batch, dimension ORDER BY scored_at DESC) = 1"
        ).fetchall()
    return {
        "scores": {(s.level, s.source_id or s.department, s.dimension): s for s in scores},
        "batch_scores": {(sid, b, dim): score for sid, b, dim, score in batch_scores},
        "pass_rate": {(sid, b, dim): 100.0 * passed / checked for sid, b, dim, checked, passed in pooled},
        "gate": {(sid, b): (passed, rejected, reasons) for sid, b, passed, rejected, reasons in gate},
        "held_by_default": held_by_default,
        "held_with_override": held_with_override,
        "html": (lake.reports / "quality" / "index.html").read_text(encoding="utf-8"),
        "summary": _summary_sheet(lake, load_registry().source(WHOLE).department),
    }


def _summary_sheet(lake: Lake, department: str) -> dict:
    """The 说明 sheet of a department's workbook, label -> value."""
    from openpyxl import load_workbook

    (path,) = (lake.reports / "quality" / "departments").glob(f"{department}-*.xlsx")
    rows = load_workbook(path, read_only=True)["说明"].values
    return {r[0]: (r[1] if len(r) > 1 else None) for r in rows if r and r[0]}


@pytest.fixture(scope="module")
def city(tmp_path_factory):
    from synth import generate_city

    root = tmp_path_factory.mktemp("rejected")
    landing, lake = root / "landing", Lake(root / "lake")
    generate_city(landing, persons=PERSONS, seed=SEED, defect_rate=0.0)
    config = yaml.safe_load(CONFIG_PATH.read_text(encoding="utf-8"))
    config["sources"] = {sid: {"count_rejected_files": False} for sid in (PARTIAL, WHOLE)}
    (root / "override.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    partial_dir, whole_dir = _latest_batch(landing, PARTIAL), _latest_batch(landing, WHOLE)
    kept = root / "kept"
    for d in (partial_dir, whole_dir):
        shutil.copytree(d, kept / d.parent.name)
    one, two = _split_in_two(next(partial_dir.glob("*.csv")))
    _drop_last_header_column(two)
    _drop_last_header_column(next(whole_dir.glob("*.csv")))
    bytes_of = {"part1": one.stat().st_size, "part2": two.stat().st_size}

    held = _run(landing, lake)
    held_state = _state(lake)

    for d in (partial_dir, whole_dir):  # the corrected re-delivery, same batch dates
        shutil.rmtree(d)
        shutil.copytree(kept / d.parent.name, d)
    fixed = _run(landing, lake)
    return {
        "held": held,
        "held_state": held_state,
        "fixed": fixed,
        "fixed_state": _state(lake),
        "partial_batch": partial_dir.name,
        "whole_batch": whole_dir.name,
        "clean_batch": _latest_batch(landing, CLEAN).name,
        "rejected_share": bytes_of["part2"] / (bytes_of["part1"] + bytes_of["part2"]),
        "departments": {s.id: s.department for s in load_registry().sources.values()},
    }


def test_a_batch_with_one_of_two_files_rejected_loses_the_rejected_share_of_accessibility_and_completeness(city):
    state, batch, share = city["held_state"], city["partial_batch"], city["rejected_share"]
    assert 0.3 < share < 0.5  # the second part: 40 % of the rows, its share of the bytes
    for dim in FALLEN:
        s = state["scores"][("source", PARTIAL, dim)]
        assert s.batch == batch
        assert s.score == pytest.approx(state["pass_rate"][(PARTIAL, batch, dim)] * (1 - share))
    # the other dimensions score what was loaded, as before
    conformity = state["scores"][("source", PARTIAL, "conformity")]
    assert conformity.score == pytest.approx(state["pass_rate"][(PARTIAL, batch, "conformity")])


def test_a_batch_rejected_whole_scores_zero_on_accessibility_and_completeness(city):
    scores, batch = city["held_state"]["batch_scores"], city["whole_batch"]
    for dim in FALLEN:
        assert scores[(WHOLE, batch, dim)] == 0.0
    # nothing else could be checked but its calendar: no longer 85.71 from what little was checked
    present = {d for (sid, b, d) in scores if (sid, b) == (WHOLE, batch)} - {"overall"}
    assert present == {"accessibility", "completeness", "timeliness"}
    timeliness = scores[(WHOLE, batch, "timeliness")]
    assert scores[(WHOLE, batch, "overall")] == pytest.approx(10 * timeliness / (5 + 20 + 10))


def test_an_increment_rejected_whole_lowers_its_sources_current_score_by_its_share_of_the_bytes(city):
    current = city["held_state"]["scores"][("source", WHOLE, "accessibility")]
    assert current.batch == city["whole_batch"]  # labelled with the latest batch, pooling every increment
    assert 0.0 < current.rejected_share < 1.0
    assert current.score <= 100.0 * (1 - current.rejected_share)


def test_a_clean_batch_scores_as_its_rule_results_say(city):
    state, batch = city["held_state"], city["clean_batch"]
    for dim in FALLEN:
        s = state["scores"][("source", CLEAN, dim)]
        assert (s.batch, s.rejected_share) == (batch, 0.0)
        assert s.score == pytest.approx(state["pass_rate"][(CLEAN, batch, dim)])


def test_the_department_scorecard_falls_by_the_rejected_share_of_its_sources_bytes(city):
    scores = city["held_state"]["scores"]
    dept = city["departments"][WHOLE]
    others = [sid for sid, d in city["departments"].items() if d == dept and sid != WHOLE]
    assert others  # the patent batch shares its department with a clean source
    card = scores[("department", dept, "accessibility")]
    assert 0 < card.rejected_share < 1
    assert 0 < card.score < 100 * (1 - card.rejected_share) + 1e-9
    assert scores[("department", dept, "completeness")].score < 100 * (1 - card.rejected_share) + 1e-9


def test_a_batch_with_a_rejected_file_fails_the_gate_by_default(city):
    held, gate = city["held"], city["held_state"]["gate"]
    assert held.exit_code == 1, held.output
    for sid, batch in ((PARTIAL, city["partial_batch"]), (WHOLE, city["whole_batch"])):
        passed, rejected, reasons = gate[(sid, batch)]
        assert (passed, rejected) == (False, 1)
        assert f"{sid} batch {batch}: 1 file(s) rejected whole" in reasons
    assert gate[(CLEAN, city["clean_batch"])][0]
    assert city["held_state"]["held_by_default"] == {(PARTIAL, city["partial_batch"]), (WHOLE, city["whole_batch"])}


def test_a_per_source_override_lets_its_rejected_files_pass_the_gate(city):
    assert city["held_state"]["held_with_override"] == set()


def test_the_scorecard_marks_the_department_with_a_rejected_file_in_red(city):
    html = city["held_state"]["html"]
    dept = city["departments"][WHOLE]
    row = html.split(f'<tr data-department="{dept}"', 1)[1].split("</tr>", 1)[0]
    assert row.startswith(' class="rejected"') and "拒收" in row
    assert '<tr data-department="gaj">' in html  # a clean department is not marked


def test_the_departments_workbook_says_what_share_was_rejected(city):
    summary = city["held_state"]["summary"]
    share = city["held_state"]["scores"][("department", city["departments"][WHOLE], "overall")].rejected_share
    assert f"{share:.1%} of the delivered bytes were rejected whole" in summary["拒收 rejected"]
    assert "拒收 rejected" not in city["fixed_state"]["summary"]


def test_the_corrected_redelivery_restores_the_scores_and_passes_the_gate(city):
    fixed, state = city["fixed"], city["fixed_state"]
    assert fixed.exit_code == 0, fixed.output
    for sid, batch in ((PARTIAL, city["partial_batch"]), (WHOLE, city["whole_batch"])):
        assert state["gate"][(sid, batch)][:2] == (True, 0)
        for dim in FALLEN:
            s = state["scores"][("source", sid, dim)]
            assert (s.batch, s.rejected_share) == (batch, 0.0)
            assert state["batch_scores"][(sid, batch, dim)] == pytest.approx(state["pass_rate"][(sid, batch, dim)])
    assert 'class="rejected"' not in state["html"]
