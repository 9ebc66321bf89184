"""GB/T 36344 score arithmetic (quality/sql/scores.sql) on hand-made rule results."""

from __future__ import annotations

import duckdb
import pytest

from quality.scores import scores_of_run

BATCH = "2026-10-01"


def _con(rows: list[tuple]) -> duckdb.DuckDBPyConnection:
    """An in-memory warehouse whose quality.rule_results holds `rows`
    (run_id, rule_id, source_id, batch, dimension, checked, failed)."""
    con = duckdb.connect()
    con.execute("CREATE SCHEMA quality")
    con.execute(
        "CREATE TABLE quality.rule_results (run_id VARCHAR, rule_id VARCHAR, source_id VARCHAR, "
        "batch VARCHAR, dimension VARCHAR, checked BIGINT, failed BIGINT)"
    )
    con.executemany("INSERT INTO quality.rule_results VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
    return con


def _by(scores, level, key):
    return {s.dimension: s for s in scores if s.level == level and (s.source_id or s.department) == key}


def test_source_scores_weight_rules_by_rows_and_dimensions_by_standard_weights(registry):
    src = "gaj.household_register"
    con = _con(
        [
            ("r1", f"conformity.format.{src}.a", src, BATCH, "conformity", 100, 10),
            ("r1", f"conformity.code_list.{src}.b", src, BATCH, "conformity", 300, 0),
            ("r1", f"accuracy.check_digit.{src}.id_no", src, BATCH, "accuracy", 200, 50),
            ("r1", f"timeliness.late_batch.{src}._batch", src, BATCH, "timeliness", 1, 1),
            ("r1", f"completeness.required.{src}.c", src, BATCH, "completeness", 0, 0),  # checked nothing
        ]
    )
    s = _by(scores_of_run(con, "r1", registry), "source", src)

    # rule scores 90 % (100 rows) and 100 % (300 rows): weighted by rows, 390 / 400, not (90 + 100) / 2
    assert s["conformity"].score == pytest.approx(97.5)
    assert (s["conformity"].checked, s["conformity"].failed) == (400, 10)
    assert s["accuracy"].score == pytest.approx(75.0)
    assert s["timeliness"].score == 0.0
    # completeness checked nothing, consistency and accessibility have no rule: left out, weights renormalised
    assert set(s) == {"conformity", "accuracy", "timeliness", "overall"}
    assert s["overall"].score == pytest.approx((20 * 97.5 + 25 * 75.0 + 10 * 0.0) / (20 + 25 + 10))  # 69.545…


def test_department_score_pools_its_sources_per_dimension_then_weights_dimensions(registry):
    a, b = "mzj.marriage_register", "mzj.subsistence_allowance"
    con = _con(
        [
            ("r1", f"completeness.required.{a}.x", a, BATCH, "completeness", 10, 0),
            ("r1", f"consistency.name_mismatch.{a}.y", a, BATCH, "consistency", 10, 5),
            ("r1", f"completeness.required.{b}.x", b, BATCH, "completeness", 90, 9),
            ("r1", f"accessibility.row_readable.{b}._row", b, BATCH, "accessibility", 100, 0),
            ("r0", f"accuracy.range.{b}.z", b, "2026-09-01", "accuracy", 50, 50),  # another batch: not in r1's scores
        ]
    )
    scores = scores_of_run(con, "r1", registry)
    dept = _by(scores, "department", "mzj")

    assert {s.batch for s in scores if s.level == "department"} == {BATCH}
    assert dept["completeness"].score == pytest.approx(91.0)  # (10 + 81) / (10 + 90)
    assert dept["consistency"].score == pytest.approx(50.0)
    assert dept["accessibility"].score == pytest.approx(100.0)
    assert "accuracy" not in dept
    # 规范性 20 完整性 20 准确性 25 一致性 20 时效性 10 可访问性 5 over the dimensions present: 20 + 20 + 5
    assert dept["overall"].score == pytest.approx((20 * 91 + 20 * 50 + 5 * 100) / 45)  # 73.78
    # not the mean of the two sources' overall scores (75 and 92)
    assert _by(scores, "source", a)["overall"].score == pytest.approx(75.0)
    assert _by(scores, "source", b)["overall"].score == pytest.approx(92.0)


def test_accessibility_and_completeness_fall_by_the_rejected_share_of_the_delivered_bytes(registry):
    a, b = "scjg.enterprise_register", "scjg.patent"
    con = _con(
        [
            ("r1", f"completeness.required.{a}.x", a, BATCH, "completeness", 100, 10),
            ("r1", f"accessibility.row_readable.{a}._row", a, BATCH, "accessibility", 100, 0),
            ("r1", f"conformity.format.{a}.y", a, BATCH, "conformity", 100, 0),
            ("r1", f"accessibility.file_readable.{b}._file", b, BATCH, "accessibility", 1, 1),
            ("r1", f"timeliness.late_batch.{b}._batch", b, BATCH, "timeliness", 1, 0),
        ]
    )
    con.execute(
        "CREATE TABLE quality.deliveries AS SELECT * FROM (VALUES "
        f"('{a}', '{BATCH}', 4000, 0.25), ('{b}', '{BATCH}', 1000, 1.0)) AS t(source_id, batch, bytes, rejected_share)"
    )
    scores = scores_of_run(con, "r1", registry)
    one, whole, dept = _by(scores, "source", a), _by(scores, "source", b), _by(scores, "department", "scjg")

    # a quarter of the bytes rejected: 90 and 100 become 67.5 and 75; conformity is what was loaded
    assert (one["completeness"].score, one["accessibility"].score) == pytest.approx((67.5, 75.0))
    assert one["conformity"].score == 100.0 and one["overall"].rejected_share == 0.25
    # rejected whole: 0 on both, also on completeness, which no rule could check
    assert (whole["completeness"].score, whole["accessibility"].score) == (0.0, 0.0)
    assert whole["overall"].score == pytest.approx(10 * 100 / (20 + 5 + 10))
    # the department pools bytes as it pools rows: (1000 + 1000) of 5000 bytes rejected
    assert dept["overall"].rejected_share == pytest.approx(0.4)
    assert dept["completeness"].score == pytest.approx(90.0 * 0.6)
    assert dept["accessibility"].score == pytest.approx(100.0 * 100 / 101 * 0.6)


def test_scores_and_gate_commands_explain_themselves():
    from typer.testing import CliRunner

    from conductor.cli import app

    for command, words in (
        ("scores", ("--department", "quality.scores", "renormalis", "rejected whole")),
        ("gate", ("quality/gate.yaml", "quality.gate_decisions", "rejected whole")),
    ):
        result = CliRunner().invoke(app, ["quality", command, "--help"], env={"COLUMNS": "200"})
        assert result.exit_code == 0, result.output
        for word in words:
            assert word in " ".join(result.output.split()), (command, word)
