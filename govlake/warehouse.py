"""The DuckDB warehouse (lake/warehouse.duckdb): connections and the ops views.

DuckDB lets one process write a database file at a time. Ingestion therefore
never writes tables here; it appends record files under lake/logs and this module
(re)creates views over them. Views cost nothing to refresh and always show the
latest records, because DuckDB reads the files at query time.
"""
from __future__ import annotations

import logging
import time
from pathlib import Path

import duckdb

from govlake.settings import Lake

log = logging.getLogger(__name__)


def connect(lake: Lake, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """A connection to the warehouse; read-only ones can be many at once."""
    if not read_only:
        lake.warehouse.parent.mkdir(parents=True, exist_ok=True)
    elif not lake.warehouse.exists():
        raise FileNotFoundError(f"no warehouse yet at {lake.warehouse}")
    return duckdb.connect(str(lake.warehouse), read_only=read_only)


def connect_when_free(lake: Lake, read_only: bool = False, *, attempts: int = 5,
                      first_wait: float = 0.2) -> duckdb.DuckDBPyConnection:
    """connect(), retried with a doubling wait while another process holds the warehouse
    (dbt, an ingest task refreshing the ops views, a notebook); raises the last error."""
    wait = first_wait
    for attempt in range(1, attempts + 1):
        try:
            return connect(lake, read_only=read_only)
        except duckdb.IOException:  # "Could not set lock on file": someone else is writing
            if attempt == attempts:
                raise
            time.sleep(wait)
            wait *= 2
    raise AssertionError("unreachable")


def _sql_str(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


def _has_files(root: Path, pattern: str) -> bool:
    return root.is_dir() and next(root.glob(pattern), None) is not None


def refresh_ops_views(con: duckdb.DuckDBPyConnection, lake: Lake) -> list[str]:
    """(Re)create the ops views over the lake's record files; returns the views made.

    A view is made only when its files exist: DuckDB fails to bind a read_json
    over a glob matching nothing, and a view that errors is worse than none.
    """
    from ingest.log import COLUMNS, log_dir
    from ingest.quarantine import ROWS_DIR

    made = []
    con.execute("CREATE SCHEMA IF NOT EXISTS ops")
    logs = log_dir(lake)
    if _has_files(logs, "*/*.json"):
        columns = "{" + ", ".join(f"{_sql_str(k)}: {_sql_str(v)}" for k, v in COLUMNS.items()) + "}"
        con.execute(f"""
            CREATE OR REPLACE VIEW ops.ingest_log AS
            SELECT * FROM read_json({_sql_str(str(logs / '*' / '*.json'))},
                                    format = 'newline_delimited', columns = {columns})
        """)
        made.append("ops.ingest_log")
    if _has_files(lake.quarantine, f"*/batch=*/{ROWS_DIR}/*.jsonl"):
        con.execute(f"""
            CREATE OR REPLACE VIEW ops.quarantined_rows AS
            SELECT * FROM read_json({_sql_str(str(lake.quarantine / '*' / 'batch=*' / ROWS_DIR / '*.jsonl'))},
                format = 'newline_delimited',
                columns = {{'source': 'VARCHAR', 'batch': 'VARCHAR', 'file': 'VARCHAR', 'line': 'BIGINT',
                           'row_no': 'BIGINT', 'column': 'VARCHAR', 'reason': 'VARCHAR', 'detail': 'VARCHAR',
                           'raw_text': 'VARCHAR', 'raw_hex': 'VARCHAR', 'encoding': 'VARCHAR'}})
        """)
        made.append("ops.quarantined_rows")
    return made


def refresh_ops_views_quietly(lake: Lake, *, attempts: int = 5, first_wait: float = 0.2) -> list[str]:
    """refresh_ops_views with its own connection, retried while another process holds
    the warehouse (dbt, a notebook); gives up with a warning, never raises."""
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
