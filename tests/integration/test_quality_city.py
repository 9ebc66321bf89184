"""The quality run on generated cities, under real ingestion, dbt, DuckDB and Great Expectations.

Two cities of 1,500 persons (seed 21), built once per module:
  defects  5% of eligible records carry one injected defect; every kind occurs (forced);
  clean    the same city without defects: no rule may fire except on the delivery
           calendar's deliberate irregularities (a late and a missing batch, listed in
           _truth/changes.csv), which must be reported exactly.
Expected findings come from the generator's truth files, not from the SQL under test.
"""

from __future__ import annotations

import csv
import json
import re
import socket
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from govlake.registry import load_registry
from govlake.registry.names import name_pairs
from govlake.settings import Lake
from quality import staging as stg
from quality.masking import mask_kind
from quality.runner import RunSummary, run_quality
from quality.sqlfiles import dbt_vars, install_macros
from synth.defects import FILE_KINDS, KINDS
from transform.dbt_runner import run_dbt

pytestmark = pytest.mark.slow

PERSONS, SEED = 1500, 21
# the rule (dimension.check) that must report each kind of injected defect
RULE_OF_KIND = {
    "bad_check_digit": "accuracy.check_digit",
    "legacy_15_digit_id": "conformity.legacy_15_digit_id",
    "lowercase_x": "conformity.lowercase_x",
    "birth_date_vs_id": "accuracy.birth_date_vs_id",
    "gender_vs_id": "accuracy.gender_vs_id",
    "retired_region_code": "conformity.retired_region_code",
    "unknown_region_code": "conformity.region_code",
    "blank_required": "completeness.required",
    "code_not_in_list": "conformity.code_list",
    "out_of_range": "accuracy.range",
    "impossible_date": "conformity.format",
    "off_layout": "conformity.declared_layout",
    "duplicate_key": "accuracy.unique_key",
    "name_mismatch": "consistency.name_mismatch",
    "dead_person_paid": "consistency.dead_person_paid",
    "deregistered_with_valid_licence": "consistency.deregistered_with_valid_licence",
    "taxpayer_active_but_deregistered": "consistency.taxpayer_active_but_deregistered",
    "undecodable_bytes": "accessibility.row_readable",
    "short_row": "accessibility.row_readable",
    "extra_column": "accessibility.file_readable",
    "missing_column": "accessibility.file_readable",
}
# calendar irregularities of _truth/changes.csv -> the rule that must report them
RULE_OF_CHANGE = {"late_batch": "timeliness.late_batch", "missing_batch": "completeness.batch_missing"}


@dataclass
class City:
    landing: Path
    lake: Lake
    summary: RunSummary
    connections: list  # network connections the quality run attempted

    def q(self, sql: str, params=None) -> list[tuple]:
        """A read-only connection per query: the quality run needs the file to itself."""
        con = duckdb.connect(str(self.lake.warehouse), read_only=True)
        try:
            install_macros(con, load_registry())
            return con.execute(sql, params or []).fetchall()
        finally:
            con.close()

    def truth(self, name: str = "defects.csv") -> list[dict]:
        return list(csv.DictReader((self.landing / "_truth" / name).open(encoding="utf-8")))


def _build(root: Path, defect_rate: float) -> City:
    from ingest import ingest_landing
    from synth import generate_city

    landing, lake = root / "landing", Lake(root / "lake")
    generate_city(landing, persons=PERSONS, seed=SEED, defect_rate=defect_rate)
    ingest_landing(landing, lake)
    built = run_dbt(lake, "build", quiet=True)
    assert built.success, built.as_dict()
    with _offline() as attempts:
        summary = run_quality(lake)
    return City(landing, lake, summary, attempts)


@contextmanager
def _offline():
    """Record (and refuse) every socket connection: the run, Data Docs included, is offline."""
    attempts, connect = [], socket.socket.connect

    def refuse(sock, address):
        attempts.append(address)
        raise OSError("network disabled in this test")

    socket.socket.connect = refuse
    try:
        yield attempts
    finally:
        socket.socket.connect = connect


@pytest.fixture(scope="module")
def defects(tmp_path_factory) -> City:
    return _build(tmp_path_factory.mktemp("quality_defects"), 0.05)


@pytest.fixture(scope="module")
def clean(tmp_path_factory) -> City:
    return _build(tmp_path_factory.mktemp("quality_clean"), 0.0)


def _expected_rule(t: dict) -> str:
    column = (
        "_file"
        if t["kind"] in FILE_KINDS
        else "_row"
        if RULE_OF_KIND[t["kind"]].startswith("accessibility")
        else t["column"]
    )
    return f"{RULE_OF_KIND[t['kind']]}.{t['source']}.{column}"


def _unobservable(city: City, truth: list[dict]) -> set[int]:
    """Cross-source defects whose authoritative record never reached the base library (another
    defect kept it out: e.g. the enterprise's only register row had a wrong check digit) cannot
    be seen by any rule; they are left out of recall, and there may be only a few."""
    reg = load_registry()
    code_column = {
        ("swj.taxpayer", "taxpayer_active_but_deregistered"): "uscc",
        ("dsj.e_licence", "deregistered_with_valid_licence"): "holder_code",
    }
    for pair in name_pairs(reg):
        code_column[(pair.source, "name_mismatch", pair.column)] = pair.code
    for copy in dbt_vars()["active_after_death"]:
        code_column[(copy["source"], "dead_person_paid")] = copy["code"]
    out = set()
    for i, t in enumerate(truth):
        code = code_column.get((t["source"], t["kind"], t["column"])) or code_column.get((t["source"], t["kind"]))
        if code is None:
            continue
        source = reg.source(t["source"])
        codes = city.q(
            f"SELECT s.{code} FROM {stg.relation(source)} AS s WHERE s._batch = ? AND {stg.record_key(source)} = ?",
            [t["batch"], t["record_key"]],
        )
        golden = city.q(
            "SELECT 1 FROM base.base_population__person WHERE person_id = ? AND "
            "(? <> 'dead_person_paid' OR death_date IS NOT NULL) "
            "UNION ALL SELECT 1 FROM base.base_legal_entity__enterprise WHERE uscc = ?",
            [codes[0][0] if codes else None, t["kind"], codes[0][0] if codes else None],
        )
        if not golden:
            out.add(i)
    return out


# --- the city with defects --------------------------------------------------------------------
def test_every_kind_of_defect_was_injected(defects):
    assert {t["kind"] for t in defects.truth()} == set(KINDS)


def test_every_row_level_defect_is_reported_by_its_rule_with_its_record_key_and_column(defects):
    truth = defects.truth()
    found = set(defects.q("SELECT rule_id, batch, record_key, column_name FROM quality.violations"))
    skipped = _unobservable(defects, truth)
    assert len(skipped) <= 2, [truth[i] for i in skipped]
    hits, totals, missed = defaultdict(int), defaultdict(int), []
    for i, t in enumerate(truth):
        if t["kind"] in FILE_KINDS or i in skipped:
            continue
        totals[t["kind"]] += 1
        if (_expected_rule(t), t["batch"], t["record_key"], t["column"]) in found:
            hits[t["kind"]] += 1
        else:
            missed.append(t)
    recall = {k: hits[k] / n for k, n in totals.items()}
    assert set(totals) == set(KINDS) - set(FILE_KINDS)
    assert all(r >= 0.99 for r in recall.values()), (recall, missed[:5])


def test_rejected_files_are_file_findings_naming_the_column(defects):
    found = set(
        defects.q(
            "SELECT rule_id, batch, column_name, _file FROM quality.violations "
            "WHERE record_key = '' AND _row_no IS NULL"
        )
    )
    expected = {
        (_expected_rule(t), t["batch"], t["column"], t["file"]) for t in defects.truth() if t["kind"] in FILE_KINDS
    }
    assert expected and expected <= found


def test_rule_results_count_the_failing_rows_of_each_rule_and_batch(defects):
    mismatched = defects.q("""
        WITH v AS (SELECT rule_id, batch, count(DISTINCT (_file, _row_no)) AS n FROM quality.violations GROUP BY 1, 2)
        SELECT r.rule_id, r.batch, r.failed, v.n FROM quality.rule_results AS r FULL JOIN v USING (rule_id, batch)
        WHERE r.failed IS DISTINCT FROM coalesce(v.n, 0)""")
    assert mismatched == []
    bad_rates = defects.q(
        "SELECT rule_id FROM quality.rule_results WHERE checked > 0 "
        "AND abs(pass_rate - (checked - failed) / checked) > 1e-9 OR failed > checked"
    )
    assert bad_rates == []


def test_every_violation_names_its_dimension_and_severity_as_its_rule_does(defects):
    assert (
        defects.q("""SELECT v.rule_id FROM quality.violations AS v JOIN quality.rules AS r USING (rule_id)
                        WHERE v.dimension <> r.dimension OR v.severity <> r.severity LIMIT 5""")
        == []
    )
    dims = {d for (d,) in defects.q("SELECT DISTINCT dimension FROM quality.violations")}
    assert dims == {"conformity", "completeness", "accuracy", "consistency", "timeliness", "accessibility"}


def test_every_detail_of_a_finding_reads_in_chinese(defects):
    from quality.report.vocabulary import detail_zh

    details = {d for (d,) in defects.q("SELECT DISTINCT detail FROM quality.violations WHERE detail IS NOT NULL")}
    assert details
    assert sorted(d for d in details if detail_zh(d) is None) == []


def test_observed_values_are_masked(defects):
    """Columns holding ID numbers, mobiles, names, exact addresses, a person's amounts or
    health show masked values only (a USCC, even all digits, is not personal)."""
    reg = load_registry()
    rows = defects.q("SELECT source_id, column_name, observed FROM quality.violations WHERE observed IS NOT NULL")
    shown = 0
    for source_id, column, observed in rows:
        source = reg.source(source_id)
        if column not in source.column_names:
            continue
        kind = mask_kind(source, source.column(column))
        if kind in ("id", "name", "mobile", "address", "all"):
            assert "*" in observed, (source_id, column, observed)
        if kind in ("id", "party", "mobile"):
            assert not re.fullmatch(r"[0-9]{17}[0-9Xx]|[0-9]{15}|1[3-9][0-9]{9}", observed), (source_id, column)
        shown += kind is not None
    assert shown > 100


def test_great_expectations_results_and_data_docs_are_written(defects):
    run = defects.lake.reports / "quality" / "gx" / defects.summary.run_id
    checkpoint = json.loads((run / "checkpoint.json").read_text(encoding="utf-8"))
    validated = {v["source_id"] for v in checkpoint["validations"]}
    assert validated == {s for (s,) in defects.q("SELECT DISTINCT source_id FROM quality.rule_results")}
    for source_id in validated:
        doc = json.loads((run / f"{source_id}.json").read_text(encoding="utf-8"))
        rules = {r["expectation_config"]["meta"]["rule_id"] for r in doc["results"]}
        assert rules == {
            r
            for (r,) in defects.q("SELECT DISTINCT rule_id FROM quality.rule_results WHERE source_id = ?", [source_id])
        }
    index = defects.lake.reports / "quality" / "data_docs" / "index.html"
    assert index.exists() and defects.connections == []
    assert len(list((index.parent / "validations").rglob("*.html"))) == len(validated)


def test_rerunning_a_batch_replaces_its_rows_and_keeps_the_others(defects):
    before = defects.q(
        "SELECT source_id, batch, rule_id, record_key, column_name, observed, _file, _row_no "
        "FROM quality.violations ORDER BY ALL"
    )
    old_run = defects.summary.run_id
    summary = run_quality(defects.lake, sources=["gaj.household_register"], batches=["2026-10-01"])
    after = defects.q(
        "SELECT source_id, batch, rule_id, record_key, column_name, observed, _file, _row_no "
        "FROM quality.violations ORDER BY ALL"
    )
    assert after == before
    runs = dict(
        defects.q(
            "SELECT (source_id, batch) = ('gaj.household_register', '2026-10-01'), "
            "list(DISTINCT run_id) FROM quality.violations GROUP BY 1"
        )
    )
    assert runs == {True: [summary.run_id], False: [old_run]}
    assert defects.q(
        "SELECT DISTINCT run_id FROM quality.rule_results WHERE source_id = 'gaj.household_register' "
        "AND batch = '2026-10-01'"
    ) == [(summary.run_id,)]


# --- the clean city ---------------------------------------------------------------------------
def test_on_a_clean_city_only_the_calendar_irregularities_are_reported(clean):
    assert clean.truth() == []
    expected = {
        (f"{RULE_OF_CHANGE[c['kind']]}.{c['source']}._batch", c["old"])
        for c in clean.truth("changes.csv")
        if c["kind"] in RULE_OF_CHANGE
    }
    found = set(clean.q("SELECT rule_id, record_key FROM quality.violations"))
    assert expected and found == expected


def test_on_a_clean_city_every_rule_that_checked_something_passed_but_the_calendar(clean):
    failing = {r for (r,) in clean.q("SELECT DISTINCT rule_id FROM quality.rule_results WHERE failed > 0")}
    assert {r.split(".")[1] for r in failing} == {"late_batch", "batch_missing"}
    checked = clean.q("SELECT count(DISTINCT rule_id) FROM quality.rule_results WHERE checked > 0")[0][0]
    assert checked > 350


# --- runs after the first (last in this module: they re-run the clean city's quality) ----------
def _runs_by_batch(city: City, source_id: str) -> dict[str, list[str]]:
    return dict(
        city.q(
            "SELECT batch, list(DISTINCT run_id ORDER BY run_id) FROM quality.rule_results "
            "WHERE source_id = ? GROUP BY batch",
            [source_id],
        )
    )


def test_a_later_run_checks_a_full_snapshots_latest_batch_and_keeps_the_superseded_ones_results(clean):
    first = clean.summary.run_id
    summary = run_quality(clean.lake)
    runs = _runs_by_batch(clean, "gaj.household_register")
    latest = max(runs)
    assert len(runs) > 1 and runs[latest] == [summary.run_id]
    assert all(r == [first] for batch, r in runs.items() if batch != latest)
    # every batch of an increment is current data: all checked again
    increments = _runs_by_batch(clean, "scjg.enterprise_register")
    assert len(increments) > 1 and all(r == [summary.run_id] for r in increments.values())


def test_a_superseded_snapshot_staged_again_is_checked_again(clean):
    oldest = min(_runs_by_batch(clean, "gaj.household_register"))
    con = duckdb.connect(str(clean.lake.warehouse))
    try:  # what a re-delivery of that batch and the build after it leave in staging
        con.execute(
            "UPDATE staging.stg_gaj__household_register SET _staged_at = timezone('UTC', now()) + INTERVAL 1 SECOND "
            "WHERE _batch = ?",
            [oldest],
        )
    finally:
        con.close()
    summary = run_quality(clean.lake)
    runs = _runs_by_batch(clean, "gaj.household_register")
    assert runs[oldest] == [summary.run_id] and runs[max(runs)] == [summary.run_id]
    assert all(summary.run_id not in r for batch, r in runs.items() if batch not in (oldest, max(runs)))
