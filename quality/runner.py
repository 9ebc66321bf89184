"""A quality run: every rule of the selected sources on the selected batches, through GX (by
default every batch but the full snapshots' superseded ones already checked: _snapshots_to_check).

    from quality.runner import run_quality
    summary = run_quality(Lake.from_env(), sources=None, batches=None)

Steps, each set-based in DuckDB:
  1. rules from the registry and quality/rules.yaml (quality/ruleset.py), written to
     quality.rules; the SQL macros (quality/sql/*.sql) created on the connection;
  2. this run's rows of staging.stg_rejected (an incremental dbt table) copied into a temp
     table, with each row's reasons as a list;
  3. per source, in one transaction: its batches' old rows deleted, every failing row of
     every rule inserted into quality.violations (quality/evaluate.py);
  4. Great Expectations validates each source's rows against one expectation per rule
     (quality/gx_validate.py) on a thread of its own, as soon as the source is committed,
     while DuckDB checks the next source; its counts must agree with the table's;
  5. quality.rule_results written: per rule and batch, rows checked and failed.

Great Expectations takes ~2 s of CPU to import (with the collector paused, quality/gx_import.py)
and ~10 ms of Python per expectation (4.5 s for the 449 of the 1M-person city, under
cProfile): both happen on GX's thread while DuckDB works (DuckDB releases the GIL while it
runs a query), so they add to the wall time only where DuckDB leaves a core free; on a
2-core machine they are most of what the run costs over its SQL (bench/README.md,
"Issue 13"). GX reaches the warehouse through duckdb-engine;
the run's connection is opened with duckdb-engine's configuration so that both share one
database instance (quality/gx_shim.py).
The run holds the lake's dbt lock (<lake>/dbt/.lock): a dbt build and a quality run never
write the warehouse at the same time.
"""

from __future__ import annotations

import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime

import duckdb

from govlake import duckdb_settings
from govlake.faults import fault_point
from govlake.lock import lake_lock
from govlake.registry import Registry, load_registry
from govlake.settings import Lake
from quality import files as qfiles
from quality import gx_shim
from quality import staging as stg
from quality.dimensions import DIMENSIONS
from quality.evaluate import SourceResult, evaluate_source
from quality.gx_validate import GxSession, Validation
from quality.rule import Rule
from quality.ruleset import all_rules
from quality.sqlfiles import install_macros, sql_literal
from quality.store import clear_batches, ensure_schema, insert_rows, write_rules


class QualityError(RuntimeError):
    pass


@dataclass
class DimensionSummary:
    dimension: str
    rules: int = 0
    checked: int = 0
    failed: int = 0


@dataclass
class RunSummary:
    run_id: str
    seconds: float
    sources: int
    batches: int
    rules: int
    violations: int
    success: bool  # every GX expectation passed
    dimensions: list[DimensionSummary] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)


def run_quality(
    lake: Lake,
    sources: list[str] | None = None,
    batches: list[str] | None = None,
    progress=None,
    registry: Registry | None = None,
) -> RunSummary:
    """Check the lake's warehouse; `sources` / `batches` narrow the run (default: all)."""
    say = progress or (lambda message: None)
    registry = registry or load_registry()
    rules = all_rules(registry, sources)
    if not lake.warehouse.exists():
        raise QualityError(f"no warehouse at {lake.warehouse}: run `govlake run` first")
    started, t0, timings = datetime.now(UTC), time.perf_counter(), {}
    run_id = f"{started:%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:6]}"
    by_source: dict[str, list[Rule]] = defaultdict(list)
    for r in rules:
        by_source[r.source].append(r)
    with lake_lock(lake):
        # GX's engine shares this connection's database instance (same configuration)
        con = duckdb_settings.connect(lake, lake.warehouse, config=gx_shim.connection_config())
        gx_session = None
        try:
            _require_staging(con, registry, by_source)
            gx_session = GxSession(lake, run_id)  # imports GX on its thread meanwhile
            install_macros(con, registry)
            ensure_schema(con)
            write_rules(con, rules)
            say("reading rejected rows")
            _copy_rejected(con, list(by_source), batches)
            plan = {sid: _batches(con, lake, registry.source(sid), batches) for sid in by_source}
            timings["prepare_s"] = time.perf_counter() - t0

            t = time.perf_counter()
            results: dict[str, SourceResult] = {}
            failed: dict[tuple[str, str], int] = {}
            expectations = 0
            for sid, (run_batches, all_batches) in plan.items():
                if run_batches:
                    say(f"checking {sid} ({len(run_batches)} batches)")
                    results[sid] = _evaluate(
                        con, lake, run_id, registry.source(sid), by_source[sid], run_batches, all_batches
                    )
                    failed.update(_failed_rows(con, run_id, sid))
                    validation = _validation(sid, by_source[sid], results[sid], failed)
                    if validation:  # GX checks it on its thread while DuckDB goes on
                        gx_session.submit(validation)
                        expectations += len(validation.rules)
            timings["rules_s"] = time.perf_counter() - t
            fault_point("quality.after_violations")  # committed per source; rule results not yet

            t = time.perf_counter()
            say(f"validating with Great Expectations ({expectations} expectations)")
            outcomes = gx_session.finish()
            timings["gx_wait_s"] = time.perf_counter() - t
            timings["gx_thread_s"] = gx_session.seconds
            _agree(by_source, results, failed, outcomes)

            con.begin()
            dims = _write_rule_results(con, run_id, by_source, results, failed)
            violations = sum(r.violations for r in results.values())
            success = all(o.success for o in outcomes.values())
            seconds = time.perf_counter() - t0
            con.execute(
                "INSERT INTO quality.runs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    run_id,
                    started.replace(tzinfo=None),
                    datetime.now(UTC).replace(tzinfo=None),
                    len(results),
                    sum(len(r.batches) for r in results.values()),
                    len(rules),
                    violations,
                    success,
                    seconds,
                ],
            )
            con.commit()
        finally:
            if gx_session is not None:
                gx_session.close()  # after a failure too: its engine must not outlive the run
            con.close()
    return RunSummary(
        run_id,
        round(seconds, 2),
        len(results),
        sum(len(r.batches) for r in results.values()),
        len(rules),
        violations,
        success,
        dims,
        {k: round(v, 2) for k, v in timings.items()},
    )


def _evaluate(con, lake, run_id, source, rules, run_batches, all_batches) -> SourceResult:
    """One source in one transaction: its batches' old rows go, this run's come in."""
    con.begin()
    try:
        clear_batches(con, source.id, run_batches)
        result = evaluate_source(con, lake, run_id, source, rules, run_batches, all_batches)
        con.commit()
        return result
    except Exception:
        con.rollback()
        raise


def _require_staging(con: duckdb.DuckDBPyConnection, registry: Registry, by_source: dict) -> None:
    have = {
        f"staging.{t}"
        for (t,) in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'staging'"
        ).fetchall()
    }
    missing = [stg.relation(registry.source(s)) for s in by_source if stg.relation(registry.source(s)) not in have]
    if missing or "staging.stg_rejected" not in have:
        raise QualityError(
            f"the warehouse has no staging models yet ({', '.join(missing) or 'stg_rejected'}): "
            "build it first (`govlake run`)"
        )


def _copy_rejected(con: duckdb.DuckDBPyConnection, sources: list[str], batches: list[str] | None) -> None:
    """This run's rows of stg_rejected, with each row's reasons as a list (the key rules' SQL reads them)."""
    where = f"source_id IN ({', '.join(sql_literal(s) for s in sources)})"
    if batches:
        where += f" AND _batch IN ({', '.join(sql_literal(b) for b in batches)})"
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {stg.REJECTED} AS "
        f"SELECT *, string_split(reason, '; ') AS reasons FROM staging.stg_rejected WHERE {where}"
    )


def _batches(
    con: duckdb.DuckDBPyConnection, lake: Lake, source, wanted: list[str] | None
) -> tuple[list[str], list[str]]:
    """(batches this run checks, every batch the lake knows of the source, for cadence)."""
    # when each batch's rows were last staged (rejected rows carry their ingestion time)
    staged = dict(
        con.execute(
            f"SELECT batch, max(staged) FROM (SELECT _batch AS batch, _staged_at AS staged FROM {stg.relation(source)} "
            f"UNION ALL SELECT _batch, timezone('UTC', _ingested_at) FROM {stg.REJECTED} WHERE source_id = ?) "
            "GROUP BY batch",
            [source.id],
        ).fetchall()
    )
    every = sorted(b for b in set(staged) | set(qfiles.batch_dates(lake, source)) if b)
    if wanted:
        return [b for b in every if b in wanted], every
    if source.delivery.mode == "full" and every:
        return _snapshots_to_check(con, source, every, staged), every
    return every, every


def _snapshots_to_check(con: duckdb.DuckDBPyConnection, source, every: list[str], staged: dict) -> list[str]:
    """Of a full snapshot's batches: the latest, and every older one not checked since its rows
    were staged (`staged`: batch -> when). An older snapshot is superseded - not current data
    (quality/sql/current_results.sql) - and its results, kept as history, cannot change until
    it is delivered again; checking all of them on every run made a daily snapshot's run grow
    with each day delivered (bench/README.md, "Soak")."""
    checked = dict(
        con.execute(
            "SELECT batch, max(evaluated_at) FROM quality.rule_results WHERE source_id = ? GROUP BY batch",
            [source.id],
        ).fetchall()
    )
    return [
        b
        for b in every
        if b == every[-1] or b not in checked or (staged.get(b) is not None and staged[b] >= checked[b])
    ]


def _failed_rows(con: duckdb.DuckDBPyConnection, run_id: str, source_id: str) -> dict[tuple[str, str], int]:
    """(rule_id, batch) -> distinct failing rows of one source, counted in SQL to check GX's count against."""
    return {
        (r, b): n
        for r, b, n in con.execute(
            "SELECT rule_id, batch, count(DISTINCT (_file, _row_no)) FROM quality.violations "
            "WHERE run_id = ? AND source_id = ? GROUP BY 1, 2",
            [run_id, source_id],
        ).fetchall()
    }


def _validation(
    source_id: str, rules: list[Rule], result: SourceResult, failed: dict[tuple[str, str], int]
) -> Validation | None:
    """A source's validation: the rules that looked at something in its batches (None if none did)."""
    looked = [
        r for r in rules if any(result.checked[(r.id, b)] > 0 or failed.get((r.id, b), 0) > 0 for b in result.batches)
    ]
    if not looked:
        return None
    counted = [
        (result.checked[(r.id, b)], failed.get((r.id, b), 0))
        for r in looked
        for b in result.batches
        if result.checked[(r.id, b)] > 0
    ]
    # passed as quality/sql/scores.sql counts it: checked - failed, never below 0
    return Validation(
        source_id,
        result.batches,
        looked,
        rows_checked=sum(c for c, _ in counted),
        rows_passed=sum(max(0, c - f) for c, f in counted),
    )


def _agree(by_source, results, failed, outcomes) -> None:
    """GX counted each rule's failing rows over the run's batches; the table's per-batch
    counts must add up to the same (a GX or driver regression shows here, not in a report)."""
    for sid, res in results.items():
        for r in by_source[sid]:
            outcome = outcomes.get((sid, r.id))
            table = sum(failed.get((r.id, b), 0) for b in res.batches)
            if outcome is not None and outcome.failed != table:
                raise QualityError(
                    f"{r.id}: Great Expectations counted {outcome.failed} failing rows, quality.violations {table}"
                )


def _write_rule_results(con, run_id, by_source, results, failed) -> list[DimensionSummary]:
    now = datetime.now(UTC).replace(tzinfo=None)
    rows = []
    dims = {d: DimensionSummary(d) for d in DIMENSIONS}
    counted_rules = defaultdict(set)
    for sid, res in results.items():
        for r in by_source[sid]:
            for b in res.batches:
                checked, failed_rows = res.checked[(r.id, b)], failed.get((r.id, b), 0)
                if checked == 0 and failed_rows == 0:
                    continue
                pass_rate = max(0.0, (checked - failed_rows) / checked) if checked else None
                rows.append((run_id, r.id, sid, b, r.dimension, r.severity, checked, failed_rows, pass_rate, now))
                d = dims[r.dimension]
                d.checked += checked
                d.failed += failed_rows
                counted_rules[r.dimension].add(r.id)
    for code, ids in counted_rules.items():
        dims[code].rules = len(ids)
    insert_rows(
        con,
        "quality.rule_results",
        (
            "run_id",
            "rule_id",
            "source_id",
            "batch",
            "dimension",
            "severity",
            "checked",
            "failed",
            "pass_rate",
            "evaluated_at",
        ),
        rows,
    )
    return list(dims.values())
