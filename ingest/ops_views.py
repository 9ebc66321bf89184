"""Ingestion's ops views in the warehouse: ops.ingest_log and ops.quarantined_rows, and with
them the core's ops.audit_log (govlake.audit defines it; ingestion refreshes the ops views).

DuckDB lets one process write a database file at a time. Ingestion therefore never writes
tables in the warehouse; it appends record files under lake/logs and lake/quarantine and
(re)creates views over them. Views cost nothing to refresh and always show the latest
records, because DuckDB reads the files at query time.
"""

from __future__ import annotations

import logging
from pathlib import Path

import duckdb

from govlake import audit
from govlake.lock import LakeLockBusy, lake_lock
from govlake.settings import Lake
from govlake.warehouse import connect_when_free
from ingest.log import COLUMNS, log_dir
from ingest.quarantine import ROWS_DIR

log = logging.getLogger(__name__)


def _sql_str(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


def _has_files(root: Path, pattern: str) -> bool:
    return root.is_dir() and next(root.glob(pattern), None) is not None


def refresh_ops_views(con: duckdb.DuckDBPyConnection, lake: Lake) -> list[str]:
    """(Re)create the ops views over the lake's record files; returns the views made.

    A view is made only when its files exist: DuckDB fails to bind a read_json
    over a glob matching nothing, and a view that errors is worse than none.
    """
    made = []
    con.execute("CREATE SCHEMA IF NOT EXISTS ops")
    logs = log_dir(lake)
    if _has_files(logs, "*/*.json"):
        columns = "{" + ", ".join(f"{_sql_str(k)}: {_sql_str(v)}" for k, v in COLUMNS.items()) + "}"
        con.execute(f"""
            CREATE OR REPLACE VIEW ops.ingest_log AS
            SELECT * FROM read_json({_sql_str(str(logs / "*" / "*.json"))},
                                    format = 'newline_delimited', columns = {columns})
        """)
        made.append("ops.ingest_log")
    if _has_files(lake.quarantine, f"*/batch=*/{ROWS_DIR}/*.jsonl"):
        con.execute(f"""
            CREATE OR REPLACE VIEW ops.quarantined_rows AS
            SELECT * FROM read_json({_sql_str(str(lake.quarantine / "*" / "batch=*" / ROWS_DIR / "*.jsonl"))},
                format = 'newline_delimited',
                columns = {{'source': 'VARCHAR', 'batch': 'VARCHAR', 'file': 'VARCHAR', 'line': 'BIGINT',
                           'row_no': 'BIGINT', 'column': 'VARCHAR', 'reason': 'VARCHAR', 'detail': 'VARCHAR',
                           'raw_text': 'VARCHAR', 'raw_hex': 'VARCHAR', 'encoding': 'VARCHAR'}})
        """)
        made.append("ops.quarantined_rows")
    if audit.create_view(con, lake):
        made.append("ops.audit_log")
    return made


def refresh_ops_views_quietly(lake: Lake, *, attempts: int = 5, first_wait: float = 0.2) -> list[str]:
    """refresh_ops_views with its own connection, retried while another process holds
    the warehouse (dbt, a notebook); gives up with a warning, never raises.

    A writer of the warehouse, it holds the lake lock, waiting for it about as long as
    the retries would (a dbt build holds it for minutes: the next ingestion refreshes)."""
    try:
        with lake_lock(lake, timeout=first_wait * (2**attempts - 1)):
            try:
                con = connect_when_free(lake, attempts=attempts, first_wait=first_wait)
            except duckdb.Error as e:
                log.warning("ops views not refreshed: warehouse busy after %d attempts (%s)", attempts, e)
                return []
            try:
                return refresh_ops_views(con, lake)
            except duckdb.Error as e:
                log.warning("ops views not refreshed: %s", e)
                return []
            finally:
                con.close()
    except LakeLockBusy as e:
        log.warning("ops views not refreshed: %s", e)
        return []
