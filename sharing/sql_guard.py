"""Is this SQL one read-only SELECT over the tables the caller may read? Decided by DuckDB's own parser.

    check_select(sql, allowed)   # raises Refused(reason) or returns the statement to run

A regular expression cannot tell a keyword from a string or a comment; DuckDB's parser can, and
it is the parser the query would meet. So the text is split into statements
(duckdb.extract_statements: exactly one, of type SELECT — no DDL, DML, ATTACH, COPY, PRAGMA, SET,
EXPORT, CALL) and its syntax tree (json_serialize_sql) is walked: every table it names must be a
view the caller's role may read or a CTE the query itself defines, and no table function may
appear at all (read_csv('/etc/passwd'), read_parquet over a clear file, query(…), glob(…) are
table functions). The engine's connection is locked down besides (no file access outside the
curated folder, configuration locked): the check and the sandbox each hold on their own.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator

import duckdb

from govlake import duckdb_settings

MAX_LENGTH = 100_000  # characters; a longer text is refused before it is parsed
_PARSER: duckdb.DuckDBPyConnection | None = None
_PARSER_LOCK = threading.Lock()


class Refused(ValueError):
    """The SQL is not a single SELECT over allowed tables; the message says why (in Chinese and English)."""


def check_select(sql: str, allowed: set[tuple[str, str]]) -> str:
    """`sql` stripped, when it is one SELECT reading only `allowed` (schema, table) pairs."""
    if not sql or not sql.strip():
        raise Refused("空查询 — empty query")
    if len(sql) > MAX_LENGTH:
        raise Refused(f"查询过长 — query longer than {MAX_LENGTH} characters")
    try:
        statements = duckdb.extract_statements(sql)
    except duckdb.Error as e:
        raise Refused(f"语法错误 — syntax error: {_first_line(e)}") from None
    if len(statements) != 1:
        raise Refused(f"只接受一条 SELECT 语句 — exactly one statement is accepted, found {len(statements)}")
    statement = statements[0]
    if statement.type != duckdb.StatementType.SELECT:
        kind = statement.type.name
        raise Refused(f"只接受 SELECT 查询 — only SELECT is accepted, not {kind}")
    tree = _syntax_tree(statement.query)
    ctes = set(_cte_names(tree))
    for node in _nodes(tree):
        kind = node.get("type")
        if kind == "TABLE_FUNCTION":
            name = (node.get("function") or {}).get("function_name", "?")
            raise Refused(f"不允许表函数 — table functions are not allowed: {name}(…)")
        if kind == "BASE_TABLE":
            _check_table(node, allowed, ctes)
    return statement.query.strip().rstrip(";")


def _check_table(node: dict, allowed: set[tuple[str, str]], ctes: set[str]) -> None:
    catalog, schema, table = node.get("catalog_name") or "", node.get("schema_name") or "", node["table_name"]
    if not catalog and not schema and table.lower() in ctes:
        return
    if catalog not in ("", "memory") or (schema.lower(), table.lower()) not in allowed:
        shown = ".".join(p for p in (catalog, schema, table) if p)
        hint = "" if schema else " (name it with its library: <library>.<table>)"
        raise Refused(f"无权访问或不存在的表 — no such table for your role: {shown}{hint}")


def _parser() -> duckdb.DuckDBPyConnection:
    """One in-memory DuckDB for parsing, opened once: a database per query cost ~11 ms of CPU
    (bench/README.md, issue 16). It serialises syntax trees only; it reads no file either way."""
    global _PARSER
    with _PARSER_LOCK:
        if _PARSER is None:
            con = duckdb_settings.connect(None, config={"threads": 1})  # parses only: nothing to spill
            con.execute("SET enable_external_access = false")
            con.execute("SET lock_configuration = true")
            _PARSER = con
        return _PARSER


def _syntax_tree(sql: str) -> dict:
    cursor = _parser().cursor()  # a cursor per call: checks run from many threads at once
    try:
        doc = json.loads(cursor.execute("SELECT json_serialize_sql(?)", [sql]).fetchall()[0][0])
    finally:
        cursor.close()
    if doc.get("error"):
        raise Refused(f"无法解析 — cannot parse: {doc.get('error_message', '')}")
    return doc


def _nodes(value) -> Iterator[dict]:
    if isinstance(value, dict):
        yield value
        for v in value.values():
            yield from _nodes(v)
    elif isinstance(value, list):
        for v in value:
            yield from _nodes(v)


def _cte_names(tree: dict) -> Iterator[str]:
    for node in _nodes(tree):
        cte_map = node.get("cte_map")
        if isinstance(cte_map, dict):
            for entry in cte_map.get("map", []):
                yield entry["key"].lower()


def _first_line(e: Exception) -> str:
    return str(e).splitlines()[0] if str(e) else type(e).__name__
