"""Evaluate one source's rules on the warehouse, set-based: one INSERT of every failing row of
every SQL rule (the rules' SELECTs joined by UNION ALL, so DuckDB plans and runs them as one
statement over the staging model), one aggregate for the rows each rule checked.

Rows never come into Python here, except the findings read from ingestion's files
(quality/files.py), which are violations themselves and go in through Arrow.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from govlake.registry import Source
from govlake.settings import Lake
from quality import files as qfiles
from quality import staging as stg
from quality.masking import masked
from quality.rule import Rule
from quality.sqlfiles import sql_literal
from quality.store import DELIVERY_COLUMNS, VIOLATION_COLUMNS, insert_rows


@dataclass
class SourceResult:
    source_id: str
    batches: list[str]
    violations: int
    checked: dict[tuple[str, str], int]  # (rule_id, batch) -> rows/files/batches checked


def evaluate_source(
    con: duckdb.DuckDBPyConnection,
    lake: Lake,
    run_id: str,
    source: Source,
    rules: list[Rule],
    batches: list[str],
    all_batches: list[str],
) -> SourceResult:
    """Write this run's violations of `source` for `batches` (the caller holds the transaction
    and has cleared the batches) and count what each rule checked."""
    literal = ", ".join(sql_literal(b) for b in batches)
    sql_rules = [r for r in rules if r.sql]
    inserted = 0
    if sql_rules:
        inserted = con.execute(_insert_sql(run_id, source, sql_rules, literal)).fetchall()[0][0]
        _restore_raw_values(con, lake, run_id, source, sql_rules)
    batch_files = {b: qfiles.read_batch(lake, source, b) for b in all_batches}
    slots = {b: s for b, f in batch_files.items() if (s := qfiles.batch_slot(f, source)) is not None}
    found = [f for b in batches for f in qfiles.findings(source, batch_files[b], slots, _previous_load(batch_files, b))]
    inserted += _insert_findings(con, run_id, source, rules, found)
    _insert_deliveries(con, run_id, source, [batch_files[b] for b in batches])
    checked = _checked(con, source, rules, batches, literal, batch_files)
    return SourceResult(source.id, batches, inserted, checked)


def _previous_load(batch_files: dict[str, qfiles.BatchFiles], batch: str) -> qfiles.BatchFiles | None:
    """The latest batch before `batch` that loaded something (a committed raw partition)."""
    earlier = [f for b, f in batch_files.items() if b < batch and f.manifest]
    return max(earlier, key=lambda f: f.batch) if earlier else None


def _insert_sql(run_id: str, source: Source, rules: list[Rule], batches: str) -> str:
    branches = "\n    UNION ALL\n".join(
        f"    SELECT {sql_literal(r.id)} AS rule_id, {sql_literal(r.column)} AS column_name,\n"
        f"           {sql_literal(r.dimension)} AS dimension, {sql_literal(r.severity)} AS severity,\n"
        f"           f._batch, f._file, f._row_no, f.record_key,\n"
        f"           CAST(f.observed AS VARCHAR) AS observed, CAST(f.detail AS VARCHAR) AS detail\n"
        f"    FROM (\n{r.sql.replace('{batches}', batches)}\n    ) AS f"
        for r in rules
    )
    return (
        f"INSERT INTO quality.violations ({', '.join(VIOLATION_COLUMNS)})\n"
        f"SELECT {sql_literal(run_id)}, {sql_literal(source.id)}, v._batch, v.record_key, v.column_name,\n"
        f"       v.rule_id, v.dimension, v.severity, v.observed, v.detail, v._file, v._row_no\n"
        f"FROM (\n{branches}\n) AS v"
    )


def _restore_raw_values(
    con: duckdb.DuckDBPyConnection, lake: Lake, run_id: str, source: Source, rules: list[Rule]
) -> None:
    """A typed value that failed to parse (2026-02-30, '12,5') is NULL in staging, which keeps no
    delivered copy of dates and numbers, and a date read from a layout its column does not
    declare (2026/9/5 for YYYYMMDD) is staged as a date. Their violations get the text from the
    raw layer, reading only the batches and the one column affected."""
    typed = {
        r.id: source.column(r.column)
        for r in rules
        if r.column in source.column_names
        and stg.is_typed(source.column(r.column))
        and (
            (r.check == "format" and r.column not in source.key)
            # an off-layout value is staged (a key too): what was found is only in raw
            or r.check == "declared_layout"
        )
    }
    if not typed:
        return
    hits = con.execute(
        "SELECT rule_id, list(DISTINCT batch ORDER BY batch) FROM quality.violations "
        "WHERE run_id = ? AND source_id = ? AND observed IS NULL AND rule_id IN (SELECT unnest(?)) GROUP BY 1",
        [run_id, source.id, list(typed)],
    ).fetchall()
    for rule_id, batches in hits:
        column = typed[rule_id]
        paths = [
            str(lake.raw_partition(source.id, b) / "*.parquet")
            for b in batches
            if any(lake.raw_partition(source.id, b).glob("*.parquet"))
        ]
        if not paths:
            continue
        con.execute(
            f"""
            UPDATE quality.violations AS v SET observed = {masked(source, column, f"r.{column.name}")}
            FROM read_parquet([{", ".join(sql_literal(p) for p in paths)}], hive_partitioning = false) AS r
            WHERE v.run_id = ? AND v.source_id = ? AND v.rule_id = ?
              AND r._batch = v.batch AND r._file = v._file AND r._row_no = v._row_no""",
            [run_id, source.id, rule_id],
        )


def _insert_findings(
    con: duckdb.DuckDBPyConnection, run_id: str, source: Source, rules: list[Rule], found: list[qfiles.Finding]
) -> int:
    by_check = {r.check: r for r in rules if r.sql is None}
    rows = [
        (
            run_id,
            f.source_id,
            f.batch,
            f.record_key,
            f.column_name,
            by_check[f.check].id,
            by_check[f.check].dimension,
            by_check[f.check].severity,
            None,
            f.detail,
            f.file,
            f.row_no,
        )
        for f in found
        if f.check in by_check
    ]
    insert_rows(con, "quality.violations", VIOLATION_COLUMNS, rows)
    return len(rows)


def _insert_deliveries(
    con: duckdb.DuckDBPyConnection, run_id: str, source: Source, batches: list[qfiles.BatchFiles]
) -> None:
    """What each batch delivered and what of it was rejected whole: the scores' rejected share."""
    insert_rows(
        con,
        "quality.deliveries",
        DELIVERY_COLUMNS,
        [
            (
                run_id,
                source.id,
                f.batch,
                f.files,
                len(f.rejected_files),
                f.delivered_bytes,
                f.rejected_bytes,
                f.rejected_share,
            )
            for f in batches
            if f.manifest or f.quarantine
        ],
    )


def _checked(
    con: duckdb.DuckDBPyConnection,
    source: Source,
    rules: list[Rule],
    batches: list[str],
    literal: str,
    batch_files: dict[str, qfiles.BatchFiles],
) -> dict[tuple[str, str], int]:
    """What each rule looked at per batch, from one aggregate over the staging model."""
    present = sorted({r.checked.split(":", 1)[1] for r in rules if r.checked.startswith("present:")})
    aggregates = ["count(*) AS rows"] + [f"{stg.count_present(source.column(c))} AS p_{c}" for c in present]
    staged = {
        row[0]: row[1:]
        for row in con.execute(
            f"SELECT s._batch, {', '.join(aggregates)} FROM {stg.relation(source)} AS s "
            f"WHERE s._batch IN ({literal}) GROUP BY s._batch"
        ).fetchall()
    }
    rejected = dict(
        con.execute(
            f"SELECT _batch, count(*) FROM {stg.REJECTED} WHERE source_id = ? GROUP BY 1", [source.id]
        ).fetchall()
    )
    out: dict[tuple[str, str], int] = {}
    for b in batches:
        counts = staged.get(b, (0,) * (1 + len(present)))
        for r in rules:
            kind, _, column = r.checked.partition(":")
            out[(r.id, b)] = {
                "rows": counts[0],
                "keyed_rows": counts[0] + rejected.get(b, 0),
                "present": counts[1 + present.index(column)] if column else 0,
                "read_rows": batch_files[b].read_rows,
                "files": batch_files[b].files,
                "batches": 1,
            }[kind]
    return out
