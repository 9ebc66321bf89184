"""The analysts' door: <lake>/analysts.duckdb, and the directory's comments in the warehouse.

    write_analysts_db(lake)            # after a build of the directory (catalog_build)
    comment_warehouse(con, manifest)   # COMMENT ON every dbt model and column of the warehouse

An analyst who opens warehouse.duckdb holds DuckDB's file lock and a writer (the next build)
fails. So analysts get a database of their own: one view per published curated table over its
Parquet (curated/<library>/<model>.parquet, the files `publish_curated` replaces atomically), the
registry's code lists as reference tables (ref.gender: code → 男/女, ref.ethnicity …, so codes join
to their Chinese names) and, on every view, table and column, the directory's words as comments
(Chinese — English; a column's sensitivity), which any SQL client shows (DuckDB CLI `.schema`,
DBeaver, duckdb_columns()). It is built beside (.analysts.duckdb.partial) and renamed into place:
an analyst's open connection keeps reading the file it opened, a new one gets the new file, and
nobody ever sees a half-built database; the pipeline never waits for an analyst.

The views name the Parquet files by absolute path (DuckDB resolves a relative path against the
client's working directory, not the database's): a lake moved elsewhere needs one rebuild.
"""

from __future__ import annotations

import os
from collections import defaultdict

import duckdb

from catalog.manifest import Manifest, Model, read_manifest
from govlake import duckdb_settings
from govlake.lock import lake_lock
from govlake.registry import Registry, load_registry
from govlake.settings import Lake


def _literal(text: str | None) -> str:
    return "'" + (text or "").replace("'", "''") + "'"


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def code_tables(registry: Registry) -> dict[str, dict]:
    """ref table name -> {"codes": {code: name}, "comment": …}: one per code column name whose
    lists agree across sources (gender), else one per source column (<department>__<column>)."""
    by_column: dict[str, list[tuple]] = defaultdict(list)
    for source in sorted(registry.sources.values(), key=lambda s: s.id):
        for column in source.columns:
            if column.codes is None:
                continue
            codes = registry.code_lists[column.codes] if isinstance(column.codes, str) else column.codes
            if isinstance(codes, list):
                codes = {c: c for c in codes}
            named = column.codes if isinstance(column.codes, str) else None
            by_column[column.name].append((source, column, dict(codes), named))
    out = {}
    for name, uses in sorted(by_column.items()):
        if all(u[2] == uses[0][2] for u in uses):
            _, column, codes, named = uses[0]
            sources = ", ".join(f"{u[0].id}.{u[1].name}" for u in uses)
            out[name] = {
                "codes": codes,
                "comment": f"代码表 {column.header}{f'({named})' if named else ''} — codes of {sources}",
            }
        else:
            for source, column, codes, _named in uses:
                table = f"{source.department}__{source.entity}__{name}"
                out[table] = {"codes": codes, "comment": f"代码表 {column.header} — codes of {source.id}.{column.name}"}
    return out


def _column_comment(description: str, meta: dict) -> str:
    extra = [meta[k] for k in ("sensitivity",) if meta.get(k)]
    return description + (f" [{'; '.join(extra)}]" if extra else "")


def comment_warehouse(con: duckdb.DuckDBPyConnection, manifest: Manifest, titles: dict[str, str]) -> int:
    """COMMENT ON every model's table or view and its columns present in the warehouse; returns
    the comments written. titles: model -> the directory's title line for curated models."""
    return _comment(con, [(m, *m.relation.split(".", 1)) for m in manifest.models.values()], titles)


def _comment(con: duckdb.DuckDBPyConnection, targets: list[tuple[Model, str, str]], titles: dict[str, str]) -> int:
    """COMMENT ON each (model, schema, relation) present on the connection and its columns."""
    present = {
        (s, t): kind
        for s, t, kind in con.execute(
            "SELECT schema_name, table_name, 'TABLE' FROM duckdb_tables() WHERE database_name = current_database() "
            "UNION ALL SELECT schema_name, view_name, 'VIEW' FROM duckdb_views() "
            "WHERE database_name = current_database() AND NOT internal"
        ).fetchall()
    }
    columns = defaultdict(set)
    for s, t, c in con.execute(
        "SELECT schema_name, table_name, column_name FROM duckdb_columns() WHERE database_name = current_database()"
    ).fetchall():
        columns[(s, t)].add(c)
    written = 0
    for m, schema, table in targets:
        kind = present.get((schema, table))
        if not kind:
            continue
        target = f"{_ident(schema)}.{_ident(table)}"
        con.execute(f"COMMENT ON {kind} {target} IS {_literal(titles.get(m.name) or m.description)}")
        written += 1
        for c in m.columns:
            if c.name in columns[(schema, table)] and c.description:
                comment = _literal(_column_comment(c.description, c.meta))
                con.execute(f"COMMENT ON COLUMN {target}.{_ident(c.name)} IS {comment}")
                written += 1
    return written


def write_analysts_db(lake: Lake, registry: Registry | None = None) -> dict:
    """Build <lake>/analysts.duckdb beside and rename it into place; returns what it holds."""
    registry = registry or load_registry()
    manifest = read_manifest(lake)
    target = lake.analysts
    partial = target.with_name(f".{target.name}.partial")
    partial.unlink(missing_ok=True)
    titles = _titles(lake)
    views, refs = 0, 0
    con = duckdb_settings.connect(lake, partial)
    try:
        for m in sorted((m for m in manifest.models.values() if m.curated), key=lambda m: m.name):
            parquet = lake.curated / m.library / f"{m.name}.parquet"
            if not parquet.exists():
                continue  # not published yet: no view over nothing
            con.execute(f"CREATE SCHEMA IF NOT EXISTS {_ident(m.library)}")
            view = f"{_ident(m.library)}.{_ident(m.name)}"
            con.execute(f"CREATE VIEW {view} AS SELECT * FROM read_parquet({_literal(str(parquet.resolve()))})")
            views += 1
        con.execute("CREATE SCHEMA IF NOT EXISTS ref")
        for name, table in code_tables(registry).items():
            con.execute(f"CREATE TABLE ref.{_ident(name)} (code VARCHAR PRIMARY KEY, name VARCHAR NOT NULL)")
            con.executemany(f"INSERT INTO ref.{_ident(name)} VALUES (?, ?)", list(table["codes"].items()))
            con.execute(f"COMMENT ON TABLE ref.{_ident(name)} IS {_literal(table['comment'])}")
            con.execute(f"COMMENT ON COLUMN ref.{_ident(name)}.code IS '代码 — code'")
            con.execute(f"COMMENT ON COLUMN ref.{_ident(name)}.name IS '名称 — name'")
            refs += 1
        # the curated views carry their model's comments under their library schema
        comments = _comment(con, [(m, m.library, m.name) for m in manifest.models.values() if m.curated], titles)
        con.execute("CHECKPOINT")
    finally:
        con.close()
    os.replace(partial, target)
    return {"path": str(target), "views": views, "code_tables": refs, "comments": comments}


def title_line(code: str, title: str, title_en: str, summary: str, sharing: str, opening: str) -> str:
    """A table's comment: '代码 名称 — title: 摘要 (共享属性, 开放属性)'."""
    return f"{code} {title} — {title_en}: {summary} ({sharing}, {opening})"


def _titles(lake: Lake) -> dict[str, str]:
    """model -> its title line, from the directory in the warehouse (read under the lake lock)."""
    with lake_lock(lake):
        con = duckdb_settings.connect(lake, lake.warehouse, read_only=True)
        try:
            rows = con.execute(
                "SELECT name, code, title, title_en, summary, sharing, opening FROM catalog.resources "
                "WHERE kind = 'curated'"
            ).fetchall()
        except duckdb.CatalogException:
            return {}
        finally:
            con.close()
    return {name: title_line(*rest) for name, *rest in rows}
