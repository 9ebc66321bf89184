"""The DuckDB warehouse (lake/warehouse.duckdb): connections.

DuckDB lets one process write a database file at a time: writers hold the lake lock
(govlake.lock) and, where another process may briefly hold the file (a view refresh, a
notebook), connect through connect_when_free. Each stage owns the tables and views it
writes (ingest: ops.ingest_log and ops.quarantined_rows; transform: ops.dbt_build_ledger;
quality: the quality schema); the core's audit log is ops.audit_log (govlake/audit.py), a view
ingestion refreshes with its own.
"""

from __future__ import annotations

import time

import duckdb

from govlake import duckdb_settings
from govlake.settings import Lake


def connect(lake: Lake, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """A connection to the warehouse; read-only ones can be many at once."""
    if not read_only:
        lake.warehouse.parent.mkdir(parents=True, exist_ok=True)
    elif not lake.warehouse.exists():
        raise FileNotFoundError(f"no warehouse yet at {lake.warehouse}")
    return duckdb_settings.connect(lake, lake.warehouse, read_only=read_only)


def connect_when_free(
    lake: Lake, read_only: bool = False, *, attempts: int = 5, first_wait: float = 0.2
) -> duckdb.DuckDBPyConnection:
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
