"""One in-memory DuckDB connection per process (and thread) for ingest's own SQL.

Opening a DuckDB 2.0 connection costs ~55 ms on this machine, more than the
queries ingest runs per batch (~4 ms): one connection is reused instead of one
per batch. Never shared across a fork (the pid is checked).
"""

from __future__ import annotations

import os
import threading

import duckdb

from govlake import duckdb_settings
from govlake.settings import Lake

_local = threading.local()


def connection(lake: Lake | None) -> duckdb.DuckDBPyConnection:
    """The connection, with `lake`'s memory settings (govlake.duckdb_settings): one per lake."""
    con = getattr(_local, "con", None)
    if con is None or getattr(_local, "key", None) != (os.getpid(), lake):
        reset()
        con = duckdb_settings.connect(lake)
        con.execute("SET preserve_insertion_order = true")  # readers rely on file order
        _local.con, _local.key = con, (os.getpid(), lake)
    return con


def reset() -> None:
    """Drop the connection, e.g. after a query was abandoned half-read (DuckDB 2.0
    keeps such a result pending and fails the next query on that connection)."""
    con = getattr(_local, "con", None)
    _local.con = None
    if con is not None and getattr(_local, "key", (None,))[0] == os.getpid():
        try:
            con.close()
        except duckdb.Error:
            pass
