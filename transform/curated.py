"""Publish the curated tables: every base and theme model as curated/<library>/<table>.parquet.

The warehouse is DuckDB's; the curated copies are plain Parquet any engine reads (Spark,
Trino, pandas), one file per table, replaced atomically (written beside, then renamed),
with curated/_manifest.json listing what was published from which dbt invocation; each
publication is recorded in the audit log (govlake.audit).
Columns that only serve incremental merges (`<attr>__order`, `_order`) are left out.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from govlake import audit, duckdb_settings
from govlake.faults import fault_point
from govlake.lock import lake_lock
from govlake.settings import Lake

PUBLISHED_LAYERS = ("base", "theme")  # dbt model folders whose tables are curated
MERGE_ONLY_SUFFIXES = ("__order", "_order")


@dataclass(frozen=True)
class CuratedTable:
    model: str
    library: str  # the folder under models/<layer>/: population, social_security, profile, …
    relation: str  # schema.table in the warehouse
    path: str
    rows: int
    columns: int
    seconds: float


def curated_models(manifest_path: Path) -> list[tuple[str, str, str]]:
    """(model, library, schema.table) of every base and theme model in a dbt manifest."""
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    out = []
    for node in manifest["nodes"].values():
        fqn = node["fqn"]  # ['govlake', 'base', 'population', 'base_population__person']
        if node["resource_type"] == "model" and len(fqn) >= 4 and fqn[1] in PUBLISHED_LAYERS:
            out.append((node["name"], fqn[2], f"{node['schema']}.{node['alias'] or node['name']}"))
    return sorted(out)


def publish_curated(lake: Lake, models: list[str] | None = None, progress=None) -> list[CuratedTable]:
    """Export the curated models (all, or the named ones) from the warehouse to Parquet."""

    from transform.dbt_runner import dbt_dir

    # the lake lock: a read-only connection fails while another process writes the
    # warehouse (a second `govlake run`'s build), dbt's manifest is rewritten by a build,
    # and curated/ is written here
    with lake_lock(lake):
        manifest = dbt_dir(lake) / "manifest.json"
        if not manifest.exists():
            raise FileNotFoundError(f"{manifest}: no dbt manifest; run the dbt build first (govlake run)")
        wanted = curated_models(manifest)
        if models is not None:
            wanted = [m for m in wanted if m[0] in set(models)]
        published = []
        con = duckdb_settings.connect(lake, lake.warehouse, read_only=True)
        try:
            for model, library, relation in wanted:
                published.append(_export(con, lake, model, library, relation))
                fault_point("publish.after_table")
                if progress:
                    progress(published[-1])
        finally:
            con.close()
        fault_point("publish.before_manifest")
        _write_manifest(lake, published)
    audit.record(lake, "export.curated", subject=str(lake.curated), outcome="ok", details=_audit_details(published))
    return published


def _audit_details(published: list[CuratedTable]) -> dict:
    return {"tables": [t.path for t in published], "rows": sum(t.rows for t in published)}


def _export(con, lake: Lake, model: str, library: str, relation: str) -> CuratedTable:
    t0 = time.perf_counter()
    schema, table = relation.split(".", 1)
    columns = [
        name
        for (name,) in con.execute(
            "select column_name from information_schema.columns where table_schema = ? and table_name = ? "
            "order by ordinal_position",
            [schema, table],
        ).fetchall()
        if not name.endswith(MERGE_ONLY_SUFFIXES)
    ]
    if not columns:
        raise LookupError(f"{relation}: not in the warehouse {lake.warehouse}; was the dbt build complete?")
    target = lake.curated / library / f"{model}.parquet"
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.partial")
    select = ", ".join(f'"{c}"' for c in columns)
    con.execute(f"copy (select {select} from {schema}.{table}) to '{partial}' (format parquet, compression zstd)")
    rows = con.execute(f"select count(*) from read_parquet('{partial}')").fetchall()[0][0]
    os.replace(partial, target)
    return CuratedTable(model, library, relation, str(target), rows, len(columns), round(time.perf_counter() - t0, 3))


def _write_manifest(lake: Lake, published: list[CuratedTable]) -> None:
    path = lake.curated / "_manifest.json"
    previous = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {"tables": {}}
    tables = previous.get("tables", {})
    now = datetime.now(UTC).isoformat(timespec="seconds")
    for t in published:
        tables[t.model] = {**asdict(t), "published_at": now}
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name("._manifest.json.partial")
    tmp.write_text(json.dumps({"tables": dict(sorted(tables.items()))}, ensure_ascii=False, indent=2), encoding="utf-8")
    os.replace(tmp, path)
