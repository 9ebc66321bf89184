"""Re-point a restored lake's path-bound views at the lake they now live in.

The analysts' database (views over curated Parquet) and the warehouse's ops views (the
audit and ingestion logs) name their files by absolute path. A lake restored into another
directory would otherwise answer those views from the original lake's files — today's
state, or nothing once that lake is gone — not from the restored point. Restored in
place, nothing is rewritten and every file stays byte-identical to the snapshot."""

from __future__ import annotations

from pathlib import Path

from govlake import duckdb_settings

DATABASES = ("warehouse.duckdb", "analysts.duckdb")


def _literal_prefix(home: str) -> str:
    """The lake's path as it opens a string literal in a view's SQL ('…' with '' for ')."""
    return "'" + home.replace("'", "''") + "/"


def repoint_views(target: Path, original: str) -> list[str]:
    """Rewrite every view of the restored databases that reads under `original`; the views rewritten."""
    if str(target) == original:
        return []
    old, new = _literal_prefix(original), _literal_prefix(str(target))
    rewritten = []
    for name in DATABASES:
        if not (target / name).is_file():
            continue
        with duckdb_settings.connect(None, target / name) as con:  # views only: nothing to spill
            views = con.execute(
                "SELECT schema_name, view_name, sql FROM duckdb_views() WHERE NOT internal AND contains(sql, ?)",
                [old],
            ).fetchall()
            for schema, view, sql in views:
                con.execute(sql.replace("CREATE VIEW", "CREATE OR REPLACE VIEW", 1).replace(old, new))
                rewritten.append(f"{name}: {schema}.{view}")
    return rewritten
