"""The gateway's engine: an in-memory DuckDB over the published curated Parquet, locked down.

    engine = Engine(lake)
    engine.rows(resource, items, clear, filters, limit, offset)  # a grant's page, masked in SQL
    engine.sql(text, role, row_limit, seconds)                   # an analyst's SELECT over masking views

One connection per publication (rebuilt when the directory export or the analysts' database
changes: the stamp is checked before each request; requests in flight finish on the old one):
the masking macros, one view per curated resource and role-free masks (schema = the library,
as in the analysts' database, every 信息项 masked by its sensitivity), the code tables copied
from the analysts' database, then the sandbox — file access only under <lake>/curated, the
configuration locked — so neither a request nor a bug can read anything else. Each request runs
on its own cursor; a time limit interrupts it (sharing/watchdog.py). A page's total is counted
once per published file and filter, not for every page (the count was a quarter of a page's
time: bench/README.md, issue 16).
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from govlake import duckdb_settings
from govlake.pii import mask_shapes
from govlake.registry import load_registry
from govlake.settings import Lake

from .masking import ident, install_masks, literal, masked_column
from .published import NOT_SHARED, Layer, Resource, layer_stamp, read_layer
from .sql_guard import check_select
from .watchdog import WATCHDOG

TEXT_TYPES = ("VARCHAR",)
MAX_TOTALS = 4096  # cached page totals per publication; the cache starts over beyond


class QueryError(RuntimeError):
    """A query failed in the engine (bad column, type error); the message is masked and short."""


class QueryTimeout(QueryError):
    """The query ran past its time limit and was interrupted."""


@dataclass
class Result:
    table: pa.Table
    truncated: bool = False  # more rows than the limit existed
    total: int | None = None  # all matching rows (rows endpoint)
    clear: tuple[str, ...] = ()  # columns delivered unmasked under a grant
    seconds: float = 0.0


@dataclass
class _State:
    layer: Layer
    con: duckdb.DuckDBPyConnection
    types: dict[str, dict[str, str]] = field(default_factory=dict)  # code -> column -> DuckDB type
    views: dict[str, set[tuple[str, str]]] = field(default_factory=dict)  # role -> readable views
    totals: dict[tuple, int] = field(default_factory=dict)  # (code, file identity, clear, filters) -> rows


class Engine:
    def __init__(self, lake: Lake, counties: Iterable[str] | None = None):
        self.lake = lake
        if counties is None:
            counties = [r.name for r in load_registry().city.regions if r.level == "county"]
        self._counties = list(counties)
        self._lock = threading.Lock()
        self._state: _State | None = None

    def close(self) -> None:
        with self._lock:
            if self._state is not None:
                self._state.con.close()
                self._state = None

    # -- the published state -------------------------------------------------------------------
    def state(self) -> _State:
        stamp = layer_stamp(self.lake)
        state = self._state
        if state is None or state.layer.stamp != stamp:
            with self._lock:
                if self._state is None or self._state.layer.stamp != stamp:
                    self._state = self._build(read_layer(self.lake))
                state = self._state
        return state

    @property
    def layer(self) -> Layer:
        return self.state().layer

    def _build(self, layer: Layer) -> _State:
        con = duckdb_settings.connect(self.lake, config={"threads": 2})
        install_masks(con, self._counties)
        state = _State(layer, con, views={"analyst": set(), "steward": set()})
        for r in sorted(layer.resources.values(), key=lambda r: r.code):
            if r.parquet is None:
                continue
            source = f"read_parquet({literal(str(r.parquet))})"
            state.types[r.code] = dict(
                con.execute(f"SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM {source})").fetchall()
            )
            con.execute(f"CREATE SCHEMA IF NOT EXISTS {ident(r.library)}")
            con.execute(f"CREATE VIEW {ident(r.library)}.{ident(r.name)} AS {self._select(state, r, r.items, ())}")
            key = (r.library, r.name)
            state.views["steward"].add(key)
            if r.sharing != NOT_SHARED:
                state.views["analyst"].add(key)
        for table in self._copy_code_tables(con):
            state.views["analyst"].add(("ref", table))
            state.views["steward"].add(("ref", table))
        curated = str(self.lake.curated.resolve()) + "/"
        con.execute(f"SET allowed_directories = [{literal(curated)}]")
        con.execute("SET enable_external_access = false")
        con.execute("SET lock_configuration = true")
        return state

    def _copy_code_tables(self, con: duckdb.DuckDBPyConnection) -> list[str]:
        """ref.* from the analysts' database, copied in (the file is replaced at each publication)."""
        path = self.lake.analysts
        if not path.is_file() or path.is_symlink():
            return []
        con.execute(f"ATTACH {literal(str(path))} AS analysts (READ_ONLY)")
        try:
            tables = [
                t
                for (t,) in con.execute(
                    "SELECT table_name FROM duckdb_tables() WHERE database_name = 'analysts' AND schema_name = 'ref'"
                ).fetchall()
            ]
            con.execute("CREATE SCHEMA IF NOT EXISTS ref")
            for t in tables:
                con.execute(f"CREATE TABLE ref.{ident(t)} AS SELECT * FROM analysts.ref.{ident(t)}")
        finally:
            con.execute("DETACH analysts")
        return tables

    def _select(self, state: _State, r: Resource, items, clear: Iterable[str]) -> str:
        types, clear = state.types[r.code], set(clear)
        columns = [
            masked_column(i.name, i.sensitivity, types.get(i.name) in TEXT_TYPES, i.name in clear)
            for i in items
            if i.name in types
        ]
        return f"SELECT {', '.join(columns)} FROM read_parquet({literal(str(r.parquet))})"

    # -- requests ------------------------------------------------------------------------------
    def columns(self, code: str) -> dict[str, str]:
        return dict(self.state().types.get(code, {}))

    def rows(
        self,
        resource: Resource,
        items: list[str],
        clear: Iterable[str] = (),
        filters: dict[str, str] | None = None,
        limit: int = 100,
        offset: int = 0,
        seconds: float = 10.0,
    ) -> Result:
        """One page of a resource: only `items`, masked but for `clear`, filtered by equality
        (values bound as parameters, never spliced into the SQL)."""
        state = self.state()
        chosen = [resource.item(name) for name in items]
        select = self._select(state, resource, [i for i in chosen if i], clear)
        where, params = [], []
        for column, value in (filters or {}).items():
            item = resource.item(column)
            if item is None or column not in items:
                raise QueryError(f"过滤条件 {column} 不是交付的信息项 — filter on an item not delivered")
            if item.personal and column not in clear:
                raise QueryError(f"不能按脱敏的信息项 {column} 过滤 — cannot filter on a masked item")
            where.append(f"CAST({ident(column)} AS VARCHAR) = ?")
            params.append(value)
        # the filter applies to the delivered values, so it sees what the caller may see
        base = f"SELECT * FROM ({select}) AS granted" + (f" WHERE {' AND '.join(where)}" if where else "")
        started = time.perf_counter()
        clear = tuple(c for c in clear if c in items)
        table = self._run(state, f"{base} LIMIT {int(limit)} OFFSET {int(offset)}", params, seconds)
        # the file's identity is in the key: a new publication of it is counted anew
        identity = _identity(resource.parquet)
        key = (resource.code, identity, tuple(sorted(clear)), tuple(sorted((filters or {}).items())))
        total = state.totals.get(key) if identity else None
        if total is None:
            total = self._run(state, f"SELECT count(*) AS n FROM ({base})", params, seconds).column(0)[0].as_py()
            if len(state.totals) >= MAX_TOTALS:
                state.totals.clear()
            if identity:
                state.totals[key] = total
        return Result(_mask_output(table, clear), total=total, clear=clear, seconds=time.perf_counter() - started)

    def batches(
        self, resource: Resource, items: list[str], clear: Iterable[str] = (), batch_rows: int = 65_536
    ) -> Iterator[pa.RecordBatch]:
        """Every row of a resource, as `rows` delivers a page of it (only `items`, masked but for
        `clear`), in record batches streamed from the query: an export of a million persons holds
        one batch in memory, not the table. No time limit: the caller is an operator's command."""
        state = self.state()
        chosen = [resource.item(name) for name in items]
        select = self._select(state, resource, [i for i in chosen if i], clear)
        clear = tuple(c for c in clear if c in items)
        cursor = state.con.cursor()
        try:
            reader = cursor.sql(select).to_arrow_reader(batch_rows)
            empty = True
            for batch in reader:
                empty = False
                yield from _mask_output(pa.Table.from_batches([batch]), clear).to_batches()
            if empty:  # one empty batch, so that a writer still learns the columns
                yield pa.RecordBatch.from_pylist([], schema=reader.schema)
        except duckdb.Error as e:
            raise QueryError(mask_shapes(str(e).splitlines()[0])) from None
        finally:
            cursor.close()

    def sql(self, text: str, role: str, row_limit: int = 10_000, seconds: float = 10.0) -> Result:
        """An analyst's query: one SELECT (sharing/sql_guard.py) over the role's masking views."""
        state = self.state()
        query = check_select(text, state.views.get(role, set()))
        started = time.perf_counter()
        table = self._run(state, query, [], seconds, limit=row_limit + 1)
        truncated = table.num_rows > row_limit
        table = table.slice(0, row_limit) if truncated else table
        return Result(_mask_output(table, ()), truncated=truncated, seconds=time.perf_counter() - started)

    def _run(self, state: _State, sql: str, params: list, seconds: float, limit: int | None = None) -> pa.Table:
        cursor = state.con.cursor()
        try:
            with WATCHDOG.limit(seconds, cursor.interrupt) as watched:
                try:
                    relation = cursor.sql(sql, params=params or None)
                    if limit is not None:
                        relation = relation.limit(limit)
                    return relation.to_arrow_table()
                except duckdb.InterruptException:
                    raise QueryTimeout(f"查询超时 — the query ran longer than {seconds:g} s and was stopped") from None
                except duckdb.Error as e:
                    if watched.fired:
                        raise QueryTimeout(
                            f"查询超时 — the query ran longer than {seconds:g} s and was stopped"
                        ) from None
                    raise QueryError(mask_shapes(str(e).splitlines()[0])) from None
        finally:
            cursor.close()


def _identity(path) -> tuple | None:
    """(inode, size, mtime) of a published file; None when it is gone (nothing is cached then)."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_ino, st.st_size, st.st_mtime_ns)


def _mask_output(table: pa.Table, clear: tuple[str, ...]) -> pa.Table:
    """Every text column but the clear ones by value pattern: nothing ID- or mobile-shaped leaves
    by accident of a query's expression."""
    for i, name in enumerate(table.column_names):
        column = table.column(i)
        if name in clear or not pa.types.is_string(column.type) and not pa.types.is_large_string(column.type):
            continue
        if not pc.any(pc.match_substring_regex(column, "[0-9０-９]{11}")).as_py():
            continue
        masked = pa.array([mask_shapes(v) if v else v for v in column.to_pylist()], column.type)
        table = table.set_column(i, name, masked)
    return table
