"""Helpers of the backup tests: a small hand-made lake, and a lake's state as checksums and
query results, to compare a restored lake with the lake it was taken from."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import duckdb

from govlake import audit
from govlake.settings import Lake


def small_lake(lake: Lake) -> Lake:
    """A lake of each kind of file a backup keeps: warehouse, raw part and manifest, audit, grants."""
    part = lake.raw_partition("gaj.household_register", "2026-10-01") / "part-0.parquet"
    part.parent.mkdir(parents=True)
    with duckdb.connect() as con:
        con.execute(f"COPY (SELECT range AS id, 'row ' || range AS note FROM range(500)) TO '{part}' (FORMAT parquet)")
    (part.parent / "_manifest.json").write_text(json.dumps({"parts": {part.name: sha256(part)}}))
    audit.record(lake, "fixture.small_lake", subject="a lake of each kind of file", outcome="ok")
    (lake.home / "sharing").mkdir()
    (lake.home / "sharing" / "access.json").write_text('{"grants": []}')
    write_warehouse(lake, "CREATE TABLE tickets AS SELECT range AS id FROM range(3)")
    return lake


def write_warehouse(lake: Lake, sql: str) -> None:
    with duckdb.connect(str(lake.warehouse)) as con:
        con.execute(sql)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def checksums(root: Path, *, leave_out: tuple[str, ...] = ("dbt/.lock",)) -> dict[str, str]:
    """Every regular file under root → its sha256 (the lock file is not lake state)."""
    return {
        p.relative_to(root).as_posix(): sha256(p)
        for p in sorted(root.rglob("*"))
        if p.is_file() and not p.is_symlink() and p.relative_to(root).as_posix() not in leave_out
    }


def tree_files(root: Path) -> dict[str, int]:
    """Every file under root → its size: what a backup directory holds."""
    return {p.relative_to(root).as_posix(): p.stat().st_size for p in root.rglob("*") if p.is_file()}


def table_answers(lake: Lake) -> dict[str, tuple[int, int]]:
    """Every warehouse table → (rows, sum of its rows' hashes), read-only."""
    with duckdb.connect(str(lake.warehouse), read_only=True) as con:
        tables = con.execute(
            "SELECT table_schema, table_name FROM information_schema.tables "
            "WHERE table_type = 'BASE TABLE' ORDER BY ALL"
        ).fetchall()
        return {
            f"{s}.{t}": con.execute(f'SELECT count(*), coalesce(sum(hash(x)), 0) FROM "{s}"."{t}" x').fetchone()
            for s, t in tables
        }


def view_answers(database: Path) -> dict[str, int]:
    """Every view of a lake's DuckDB file → its row count: views read files by path."""
    with duckdb.connect(str(database), read_only=True) as con:
        views = con.execute("SELECT schema_name, view_name FROM duckdb_views() WHERE NOT internal ORDER BY ALL")
        return {f"{s}.{v}": con.execute(f'SELECT count(*) FROM "{s}"."{v}"').fetchone()[0] for s, v in views.fetchall()}
