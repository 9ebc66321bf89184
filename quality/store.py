"""The warehouse schema `quality`: what a run writes, and how a batch's rows are replaced.

    quality.violations    one row per failing record (or file, or batch) and rule
    quality.rule_results  per rule and batch: rows checked, failed, pass rate
    quality.deliveries    per batch: files and bytes delivered and rejected whole (the scores'
                          rejected share, docs/quality-dimensions.md#scores)
    quality.rules         the rule set of the latest run (id, dimension, severity, messages, SQL)
    quality.dimensions    GB/T 36344 dimensions: Chinese name, question, score weight
    quality.runs          one row per run

A run owns the (source, batch) pairs it checked: their violations and rule results are
deleted and written again inside one transaction, so re-running a batch replaces it and a
failed run leaves the previous result. Scores, trends and the promotion gate (later work)
read rule_results; reports and 数据异议 tickets read violations.
"""

from __future__ import annotations

import duckdb
import pyarrow as pa

from quality.dimensions import DIMENSIONS
from quality.rule import Rule
from quality.sqlfiles import statements

DDL = """
CREATE SCHEMA IF NOT EXISTS quality;
CREATE TABLE IF NOT EXISTS quality.violations (
    run_id VARCHAR NOT NULL,
    source_id VARCHAR NOT NULL,
    batch VARCHAR NOT NULL,
    record_key VARCHAR,          -- the source's key values as delivered, joined by '|', '' for file and batch findings
    column_name VARCHAR NOT NULL, -- registry column; '|'-joined key columns; _row/_file/_batch
    rule_id VARCHAR NOT NULL,
    dimension VARCHAR NOT NULL,
    severity VARCHAR NOT NULL,
    observed VARCHAR,            -- the value as delivered, masked per docs/masking.md#where-masking-is-applied
    detail VARCHAR,              -- the staging flag, the other value, the reason
    _file VARCHAR,
    _row_no BIGINT
);
CREATE TABLE IF NOT EXISTS quality.rule_results (
    run_id VARCHAR NOT NULL,
    rule_id VARCHAR NOT NULL,
    source_id VARCHAR NOT NULL,
    batch VARCHAR NOT NULL,
    dimension VARCHAR NOT NULL,
    severity VARCHAR NOT NULL,
    checked BIGINT NOT NULL,     -- rows (or files, batches) the rule looked at
    failed BIGINT NOT NULL,      -- of those, how many failed (Great Expectations' count)
    pass_rate DOUBLE,            -- (checked - failed) / checked; NULL when nothing was checked
    evaluated_at TIMESTAMP NOT NULL
);
CREATE TABLE IF NOT EXISTS quality.deliveries (
    run_id VARCHAR NOT NULL,
    source_id VARCHAR NOT NULL,
    batch VARCHAR NOT NULL,
    files INTEGER NOT NULL,          -- files delivered (ingestion's delivery record)
    rejected_files INTEGER NOT NULL, -- of those, rejected whole
    bytes BIGINT NOT NULL,           -- bytes delivered
    rejected_bytes BIGINT NOT NULL,  -- bytes of the rejected files
    rejected_share DOUBLE NOT NULL   -- 0-1: rejected_bytes / bytes; 1 when nothing loaded
);
CREATE TABLE IF NOT EXISTS quality.rules (
    rule_id VARCHAR PRIMARY KEY,
    dimension VARCHAR NOT NULL,
    check_name VARCHAR NOT NULL,
    source_id VARCHAR NOT NULL,
    column_name VARCHAR NOT NULL,
    severity VARCHAR NOT NULL,
    message_zh VARCHAR,
    message_en VARCHAR,
    origin VARCHAR,
    registry_rule VARCHAR,
    checked_kind VARCHAR,
    sql VARCHAR
);
CREATE TABLE IF NOT EXISTS quality.dimensions (
    dimension VARCHAR PRIMARY KEY,
    dimension_zh VARCHAR NOT NULL,
    question VARCHAR,
    weight INTEGER
);
CREATE TABLE IF NOT EXISTS quality.runs (
    run_id VARCHAR PRIMARY KEY,
    started_at TIMESTAMP,
    finished_at TIMESTAMP,
    sources INTEGER,
    batches INTEGER,
    rules INTEGER,
    violations BIGINT,
    success BOOLEAN,
    seconds DOUBLE
);
"""

RULE_COLUMNS = (
    "rule_id",
    "dimension",
    "check_name",
    "source_id",
    "column_name",
    "severity",
    "message_zh",
    "message_en",
    "origin",
    "registry_rule",
    "checked_kind",
    "sql",
)
DELIVERY_COLUMNS = (
    "run_id",
    "source_id",
    "batch",
    "files",
    "rejected_files",
    "bytes",
    "rejected_bytes",
    "rejected_share",
)
VIOLATION_COLUMNS = (
    "run_id",
    "source_id",
    "batch",
    "record_key",
    "column_name",
    "rule_id",
    "dimension",
    "severity",
    "observed",
    "detail",
    "_file",
    "_row_no",
)


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    for stmt in statements(DDL):
        con.execute(stmt)


def write_rules(con: duckdb.DuckDBPyConnection, rules: list[Rule]) -> None:
    """The rule set is global: replaced whole (a narrowed run keeps the other sources' rules)."""
    sources = sorted({r.source for r in rules})
    con.execute("DELETE FROM quality.rules WHERE source_id IN (SELECT unnest(?))", [sources])
    insert_rows(
        con,
        "quality.rules",
        RULE_COLUMNS,
        [
            (
                r.id,
                r.dimension,
                r.check,
                r.source,
                r.column,
                r.severity,
                r.message_zh,
                r.message_en,
                r.origin,
                r.registry_rule,
                r.checked,
                r.sql,
            )
            for r in rules
        ],
    )
    con.execute("DELETE FROM quality.dimensions")
    insert_rows(
        con,
        "quality.dimensions",
        ("dimension", "dimension_zh", "question", "weight"),
        [(d.code, d.zh, d.question, d.weight) for d in DIMENSIONS.values()],
    )


def insert_rows(con: duckdb.DuckDBPyConnection, table: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
    """Insert Python rows through Arrow: one statement, not one per row (executemany)."""
    if not rows:
        return
    con.register("_q_rows", pa.table(dict(zip(columns, map(list, zip(*rows))))))
    try:
        con.execute(f"INSERT INTO {table} ({', '.join(columns)}) SELECT {', '.join(columns)} FROM _q_rows")
    finally:
        con.unregister("_q_rows")


def clear_batches(con: duckdb.DuckDBPyConnection, source_id: str, batches: list[str]) -> None:
    for table in ("violations", "rule_results", "deliveries"):
        con.execute(
            f"DELETE FROM quality.{table} WHERE source_id = ? AND batch IN (SELECT unnest(?))", [source_id, batches]
        )
