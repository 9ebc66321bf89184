"""GB/T 36344 scores per run, source, department and batch (docs/quality-dimensions.md#scores).

    from quality.scores import record_scores, current_scores
    record_scores(lake, run_id)             # after run_quality: writes quality.scores
    rows = current_scores(con, registry)    # the current data of each source, and per department

The arithmetic is SQL (quality/sql/scores.sql) over quality.rule_results, on 0-100:
rule = passed / checked; dimension of a source = its rules weighted by rows checked
(sum passed / sum checked); department = the same over its sources' rules; overall = the
dimensions weighted 规范性 20, 完整性 20, 准确性 25, 一致性 20, 时效性 10, 可访问性 5
(quality/dimensions.py). A dimension that checked nothing is left out and the weights of
the others renormalised (a source without cross-source rules is scored on the other five
out of their 80, not given 0 or 100 for 一致性). Files rejected whole lower 可访问性 and
完整性 by the rejected share of the delivered bytes (quality.deliveries): a batch rejected
whole scores 0 on both, not 100 on what little could be checked.

quality.scores keeps every run's rows, so a trend is the scores of one source (or
department) over its batches, and the current score of a batch is that of the latest run
that checked it. A department's row for a batch covers the current results of all its
sources that delivered that batch date (not only the sources the run checked).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import duckdb
import pyarrow as pa

from govlake import duckdb_settings
from govlake.faults import fault_point
from govlake.lock import lake_lock
from govlake.registry import Registry, load_registry
from quality.dimensions import DIMENSIONS
from quality.findings import MODES, current_results, refresh_findings
from quality.sqlfiles import render, statements
from quality.store import insert_rows

DDL = """
CREATE SCHEMA IF NOT EXISTS quality;
CREATE TABLE IF NOT EXISTS quality.scores (
    run_id VARCHAR NOT NULL,      -- the quality run whose results were scored
    level VARCHAR NOT NULL,       -- source | department
    source_id VARCHAR,            -- NULL on department rows
    department VARCHAR NOT NULL,
    batch VARCHAR NOT NULL,
    dimension VARCHAR NOT NULL,   -- a GB/T 36344 dimension, or 'overall'
    checked BIGINT NOT NULL,      -- rows (files, batches) checked, summed over the rules
    failed BIGINT NOT NULL,
    score DOUBLE NOT NULL,        -- 0-100
    scored_at TIMESTAMP NOT NULL
);
"""
COLUMNS = ("level", "source_id", "department", "batch", "dimension", "checked", "failed", "score")
OVERALL = "overall"
NO_DELIVERIES = "(SELECT NULL::VARCHAR AS source_id, NULL::VARCHAR AS batch, 0::BIGINT AS bytes, 0.0 AS rejected_share)"
LATEST = "latest"  # the batch label of a department's current score (its sources' current data)


@dataclass(frozen=True)
class Score:
    level: str
    source_id: str | None
    department: str
    batch: str
    dimension: str
    checked: int
    failed: int
    score: float
    rejected_share: float = 0.0  # 0-1 of the delivered bytes rejected whole (not stored in quality.scores)


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    for stmt in statements(DDL):
        con.execute(stmt)


def _register_facts(con: duckdb.DuckDBPyConnection, registry: Registry) -> None:
    """Two small relations the SQL joins: source -> department, dimension -> weight."""
    sources = sorted(registry.sources.values(), key=lambda s: s.id)
    con.register(
        "_q_departments",
        pa.table({"source_id": [s.id for s in sources], "department": [s.department for s in sources]}),
    )
    con.register(
        "_q_weights", pa.table({"dimension": list(DIMENSIONS), "weight": [d.weight for d in DIMENSIONS.values()]})
    )


def _unregister(con: duckdb.DuckDBPyConnection) -> None:
    for name in ("_q_departments", "_q_weights"):
        con.unregister(name)


def score(
    con: duckdb.DuckDBPyConnection, selection: str, registry: Registry | None = None, params: list | None = None
) -> list[Score]:
    """Score the rule results that `selection` (a SELECT with source_id, batch, dept_batch,
    keep_source, dimension, checked, failed) returns. Department rows group on dept_batch;
    source rows are kept where keep_source."""
    _register_facts(con, registry or load_registry())
    try:
        sql = render(
            "scores.sql",
            selection=selection,
            departments="_q_departments",
            weights="_q_weights",
            deliveries="quality.deliveries" if _has_deliveries(con) else NO_DELIVERIES,
        )
        rows = con.execute(
            f"SELECT {', '.join(COLUMNS)}, rejected_share FROM ({sql}) ORDER BY ALL", params or []
        ).fetchall()
    finally:
        _unregister(con)
    return [Score(*r) for r in rows]


def _has_deliveries(con: duckdb.DuckDBPyConnection) -> bool:
    """A warehouse last checked before quality.deliveries existed has none (its next run adds it)."""
    return bool(
        con.execute(
            "SELECT 1 FROM information_schema.tables WHERE table_schema = 'quality' AND table_name = 'deliveries'"
        ).fetchall()
    )


def scores_of_run(con: duckdb.DuckDBPyConnection, run_id: str, registry: Registry | None = None) -> list[Score]:
    """The run's (source, batch) pairs, and each department's batches it touched."""
    selection = """
        WITH d AS (SELECT * FROM _q_departments),
        touched AS (SELECT DISTINCT d.department, r.batch FROM quality.rule_results r JOIN d USING (source_id)
                    WHERE r.run_id = $1)
        SELECT r.source_id, r.batch, r.batch AS src_batch, r.batch AS dept_batch, r.run_id = $1 AS keep_source,
               r.dimension, r.checked, r.failed
        FROM quality.rule_results r JOIN d USING (source_id)
        WHERE (d.department, r.batch) IN (SELECT (department, batch) FROM touched)"""
    return score(con, selection, registry, [run_id])


def current_scores(con: duckdb.DuckDBPyConnection, registry: Registry | None = None) -> list[Score]:
    """The current data of each source (quality/findings.py: a full snapshot's latest batch,
    every batch of an increment, failed = rows with an open finding), labelled with the
    source's latest batch, and per department over those (batch 'latest')."""
    registry = registry or load_registry()
    selection = f"""
        SELECT c.source_id, c.batch, c.latest_batch AS src_batch, '{LATEST}' AS dept_batch, true AS keep_source,
               c.dimension, c.checked, c.failed
        FROM ({current_results(con, registry)}) AS c"""
    try:
        return score(con, selection, registry)
    finally:
        con.unregister(MODES)


def record_scores(lake, run_id: str, registry: Registry | None = None) -> list[Score]:
    """Score a finished quality run and append its rows to quality.scores (replacing rows
    of the same run, so scoring a run twice is harmless)."""

    with lake_lock(lake):
        con = duckdb_settings.connect(lake, lake.warehouse)
        try:
            ensure_schema(con)
            rows = scores_of_run(con, run_id, registry)
            fault_point("quality.before_scores")
            now = datetime.now(UTC).replace(tzinfo=None)
            con.begin()
            refresh_findings(con, registry or load_registry())
            con.execute("DELETE FROM quality.scores WHERE run_id = ?", [run_id])
            insert_rows(
                con,
                "quality.scores",
                ("run_id", *COLUMNS, "scored_at"),
                [(run_id, *(getattr(s, c) for c in COLUMNS), now) for s in rows],
            )
            con.commit()
        finally:
            con.close()
    return rows
