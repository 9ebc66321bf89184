"""Make Great Expectations keep one DuckDB connection open, as it does for SQLite.

GX 1.x reads a metric's result after handing its connection back to the pool; with
duckdb-engine the pooled connection is closed and DuckDB drops the pending result, so every
metric on DuckDB fails (MetricResolutionError: list index out of range; upstream GX issues
about duckdb-engine, e.g. #10738, #11579). For the dialects GX lists in
`_PERSISTED_CONNECTION_DIALECTS` it builds the engine on a StaticPool and holds one
connection for the engine's life, which is what DuckDB needs too.

GX compares that tuple's entries with a dialect name by `==` and with a connection string
by `.startswith(entry.value)`, so the shim adds a `str` that also has `.value`. It touches
one private name of one module; tests/unit/test_quality_gx_shim.py fails when that name
moves or when GX starts working on DuckDB without it (then delete this module).
"""

from __future__ import annotations


class _DuckDBDialect(str):
    """'duckdb' for `dialect_name in ...`, with the .value GXSqlDialect members have."""

    @property
    def value(self) -> str:
        return str(self)


DUCKDB = _DuckDBDialect("duckdb")


def install() -> None:
    """Idempotent; call before GX builds an execution engine on DuckDB."""
    from great_expectations.execution_engine import sqlalchemy_execution_engine as engine

    dialects = engine._PERSISTED_CONNECTION_DIALECTS
    if not isinstance(dialects, tuple):
        raise RuntimeError("great_expectations changed _PERSISTED_CONNECTION_DIALECTS; see quality/gx_shim.py")
    if DUCKDB not in dialects:
        engine._PERSISTED_CONNECTION_DIALECTS = (*dialects, DUCKDB)


def installed() -> bool:
    from great_expectations.execution_engine import sqlalchemy_execution_engine as engine

    return DUCKDB in engine._PERSISTED_CONNECTION_DIALECTS


def connection_config() -> dict[str, str]:
    """The configuration duckdb-engine opens a DuckDB file with: none but its user agent.
    DuckDB refuses a second connection to one file under another configuration in the same
    process, and shares the database instance under the same one, so a connection opened
    with this one can stay open while GX's engine works on the file (quality/runner.py).
    tests/unit/test_quality_gx_shim.py fails when duckdb-engine changes what it sets."""
    import duckdb_engine
    import sqlalchemy

    return {"custom_user_agent": f"duckdb_engine/{duckdb_engine.__version__}(sqlalchemy/{sqlalchemy.__version__})"}
