"""Build the directory into the warehouse: catalog.resources, catalog.items, catalog.relations,
catalog.quality, and the code register catalog.codes.

    from catalog.store import build_directory
    result = build_directory(lake)     # DirectoryResult: resources, items, notes

Assembled from the manifest, the registry and catalog/sources.yaml (catalog/build.py), codes from
the register (catalog/codes.py), and what only the warehouse and the lake know: rows (a full
snapshot's latest batch for a department source), last refresh (the curated publication of
curated/_manifest.json, or the latest row staged), publication date (the code's first
assignment), the GB/T 36344 scores of each resource's sources (quality.scores, their latest
batch) and the latest gate's decision on them. One transaction under the lake lock: a reader
sees the old directory or the new one.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa

from catalog.analysts import comment_warehouse, title_line
from catalog.build import assemble
from catalog.codes import Registration, assign
from catalog.config import load_sources
from catalog.manifest import read_manifest
from catalog.model import Resource
from catalog.review import record_build
from catalog.versions import state
from govlake import duckdb_settings
from govlake.lock import lake_lock
from govlake.registry import Registry, load_registry
from govlake.settings import Lake

SQL_DIR = Path(__file__).with_name("sql")


@dataclass
class DirectoryResult:
    resources: int
    items: int
    relations: int
    retired: list[str] = field(default_factory=list)  # codes retired by this build
    notes: list[str] = field(default_factory=list)
    comments: int = 0  # COMMENT ON statements written on the warehouse's tables, views and columns
    version: int | None = None  # the directory version this build published, if it published anything
    published: int = 0  # changes published at once (narrowing or neutral; everything on the first build)
    pending: int = 0  # changes that widen access, held 待审核 for a steward


def _sql(name: str) -> str:
    return (SQL_DIR / name).read_text(encoding="utf-8")


def _statements(sql: str) -> list[str]:
    body = "\n".join(line.split("--", 1)[0] for line in sql.splitlines())
    return [s.strip() for s in body.split(";") if s.strip()]


def _warehouse_columns(con) -> dict[str, set[str]]:
    """schema.table -> its columns, for every table and view, in one query (information_schema
    costs ~3 ms a query: 88 of them were a third of a build on the 1,000,000-person lake)."""
    out: dict[str, set[str]] = {}
    for schema, table, column in con.execute(
        "SELECT schema_name, table_name, column_name FROM duckdb_columns() WHERE database_name = current_database()"
    ).fetchall():
        out.setdefault(f"{schema}.{table}", set()).add(column)
    return out


def _stats(con, r: Resource, full_snapshot: bool, columns: dict[str, set[str]], published: dict[str, str]) -> None:
    """Rows and last refresh of a resource, from its relation in the warehouse."""
    cols = columns.get(r.relation or "")
    if not cols:
        return
    where = f"WHERE _batch = (SELECT max(_batch) FROM {r.relation})" if full_snapshot and "_batch" in cols else ""
    refreshed = "max(_staged_at)" if "_staged_at" in cols else "NULL"
    rows, last = con.execute(f"SELECT count(*), {refreshed} FROM {r.relation} {where}").fetchall()[0]
    r.rows = rows
    r.last_refresh = last.isoformat(sep=" ", timespec="seconds") if last else None
    if published.get(r.name):
        r.last_refresh = published[r.name]


def _publication(lake: Lake) -> dict[str, str]:
    """model -> when the curated Parquet was last published (curated/_manifest.json)."""
    path = lake.curated / "_manifest.json"
    if not path.exists():
        return {}
    tables = json.loads(path.read_text(encoding="utf-8")).get("tables", {})
    return {m: t.get("published_at") for m, t in tables.items()}


def _register(con) -> list[Registration]:
    return [
        Registration(*row)
        for row in con.execute(
            "SELECT code, resource, kind, assigned_at, retired_at FROM catalog.codes ORDER BY code"
        ).fetchall()
    ]


def _sources_of(resources: list[Resource]) -> dict[str, list[str]]:
    """Every department source a resource derives from (itself for a source)."""
    by_name = {r.name: r for r in resources}
    out: dict[str, list[str]] = {}

    def walk(name: str, seen: set[str]) -> set[str]:
        r = by_name[name]
        if r.kind == "source":
            return {name}
        found: set[str] = set()
        for up in r.upstream:
            if up not in seen:
                seen.add(up)
                found |= walk(up, seen)
        return found

    for r in resources:
        out[r.name] = sorted(walk(r.name, {r.name}))
    return out


def _table(rows: list[dict], schema: dict[str, pa.DataType]) -> pa.Table:
    return pa.table({k: pa.array([r[k] for r in rows], type=t) for k, t in schema.items()})


LIST = pa.list_(pa.string())
RESOURCES = {
    "code": pa.string(), "name": pa.string(), "kind": pa.string(), "class": pa.int32(), "class_name": pa.string(),
    "item": pa.string(), "item_name": pa.string(), "catalog": pa.string(), "catalog_name": pa.string(),
    "sequence": pa.int32(), "title": pa.string(), "title_en": pa.string(), "providers": LIST,
    "provider_names": LIST, "provider_usccs": LIST, "summary": pa.string(), "format": pa.string(),
    "sharing": pa.string(), "sharing_condition": pa.string(), "sharing_method": pa.string(),
    "opening": pa.string(), "update_cycle": pa.string(), "grade": pa.string(), "published_at": pa.string(),
    "related": LIST, "relation": pa.string(), "library": pa.string(), "rows": pa.int64(),
    "last_refresh": pa.string(), "upstream": LIST, "downstream": LIST, "sources": LIST,
    "quality_overall": pa.float64(), "gate_id": pa.string(), "gate_passed": pa.bool_(),
    "gate_decided_at": pa.string(), "built_at": pa.string(),
}  # fmt: skip
ITEMS = {
    "resource_code": pa.string(), "position": pa.int32(), "name": pa.string(), "name_zh": pa.string(),
    "name_en": pa.string(), "type_code": pa.string(), "sensitivity": pa.string(), "grade": pa.string(),
    "data_type": pa.string(),
}  # fmt: skip
RELATIONS = {"from_code": pa.string(), "to_code": pa.string(), "kind": pa.string()}
QUALITY = {
    "resource_code": pa.string(), "source_id": pa.string(), "batch": pa.string(), "dimension": pa.string(),
    "score": pa.float64(),
}  # fmt: skip


def build_directory(lake: Lake, registry: Registry | None = None, sources_path: Path | None = None) -> DirectoryResult:
    registry = registry or load_registry()
    config = load_sources(registry, sources_path) if sources_path else load_sources(registry)
    manifest = read_manifest(lake)
    resources = assemble(manifest, registry, config)
    full = {s.id for s in registry.sources.values() if s.delivery.mode == "full"}
    now = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
    with lake_lock(lake):
        con = duckdb_settings.connect(lake, lake.warehouse)
        try:
            for stmt in _statements(_sql("schema.sql")):
                con.execute(stmt)
            before = {r.code: r for r in _register(con)}
            register, notes = assign(list(before.values()), resources, now)
            columns, published = _warehouse_columns(con), _publication(lake)
            for r in resources:
                _stats(con, r, r.name in full, columns, published)
            scores = con.execute(_sql("quality.sql")).fetchall() if "quality.scores" in columns else []
            gate = con.execute(_sql("gate.sql")).fetchall() if "quality.gate_decisions" in columns else []
            tables = _rows(resources, register, scores, gate, now)
            con.begin()
            con.execute("DELETE FROM catalog.codes")
            con.executemany(
                "INSERT INTO catalog.codes VALUES (?, ?, ?, ?, ?)",
                [(r.code, r.resource, r.kind, r.assigned_at, r.retired_at) for r in register],
            )
            for name, (rows, schema) in tables.items():
                con.register("_catalog_rows", _table(rows, schema))
                con.execute(f"CREATE OR REPLACE TABLE catalog.{name} AS SELECT * FROM _catalog_rows")
                con.unregister("_catalog_rows")
            versions = record_build(con, _states(tables), now)
            titles = {
                r.name: title_line(r.code, r.title, r.title_en, r.summary, r.sharing, r.opening)
                for r in resources
                if r.kind == "curated"
            }
            comments = comment_warehouse(con, manifest, titles)
            con.commit()
        finally:
            con.close()
    retired = sorted(
        c for c, r in {r.code: r for r in register}.items() if r.retired_at and not before.get(c, r).retired_at
    )
    return DirectoryResult(
        resources=len(resources),
        items=sum(len(r.items) for r in resources),
        relations=len(tables["relations"][0]),
        retired=retired,
        notes=notes,
        comments=comments,
        version=versions["version"],
        published=versions["published"],
        pending=versions["pending"],
    )


def _states(tables: dict) -> dict[str, dict]:
    """The built directory as published states (catalog/versions.py)."""
    items: dict[str, list[dict]] = {}
    for i in tables["items"][0]:
        items.setdefault(i["resource_code"], []).append(i)
    return {r["code"]: state(r, items.get(r["code"], [])) for r in tables["resources"][0]}


def _rows(resources, register, scores, gate, now) -> dict[str, tuple[list[dict], dict]]:
    code_of = {r.name: r.code for r in resources}
    first = {r.resource: r.assigned_at for r in register}
    sources = _sources_of(resources)
    by_source: dict[str, list[tuple]] = {}
    for source_id, batch, dimension, score in scores:
        by_source.setdefault(source_id, []).append((batch, dimension, score))
    decided = {source_id: (gate_id, at, passed) for gate_id, at, source_id, passed in gate}
    resource_rows, item_rows, relation_rows, quality_rows = [], [], [], []
    for r in resources:
        mine = sources[r.name]
        overall = [s for sid in mine for (_, d, s) in by_source.get(sid, []) if d == "overall"]
        verdicts = [decided[sid] for sid in mine if sid in decided]
        resource_rows.append(
            {
                "code": r.code, "name": r.name, "kind": r.kind, "class": r.class_code, "class_name": r.class_name,
                "item": r.item, "item_name": r.item_name, "catalog": r.catalog, "catalog_name": r.catalog_name,
                "sequence": r.sequence, "title": r.title, "title_en": r.title_en, "providers": r.providers,
                "provider_names": r.provider_names, "provider_usccs": r.provider_usccs, "summary": r.summary,
                "format": r.format, "sharing": r.sharing, "sharing_condition": r.sharing_condition,
                "sharing_method": r.sharing_method, "opening": r.opening, "update_cycle": r.update_cycle,
                "grade": r.grade, "published_at": first[r.name].date().isoformat(),
                "related": [code_of[x] for x in r.related], "relation": r.relation, "library": r.library,
                "rows": r.rows, "last_refresh": r.last_refresh, "upstream": [code_of[x] for x in r.upstream],
                "downstream": [code_of[x] for x in r.downstream], "sources": mine,
                # the weakest of its sources: a resource is as good as what it is made of
                "quality_overall": min(overall) if overall else None,
                "gate_id": verdicts[0][0] if verdicts else None,
                "gate_passed": all(v[2] for v in verdicts) if verdicts else None,
                "gate_decided_at": max(v[1] for v in verdicts).isoformat(sep=" ") if verdicts else None,
                "built_at": now.isoformat(sep=" "),
            }
        )  # fmt: skip
        for i in r.items:
            item_rows.append({"resource_code": r.code, **{k: getattr(i, k) for k in ITEMS if k != "resource_code"}})
        for up in r.upstream:
            relation_rows.append({"from_code": code_of[up], "to_code": r.code, "kind": "lineage"})
        for x in r.related:
            relation_rows.append({"from_code": r.code, "to_code": code_of[x], "kind": "related"})
        for sid in mine:
            for batch, dimension, score in by_source.get(sid, []):
                quality_rows.append(
                    {"resource_code": r.code, "source_id": sid, "batch": batch, "dimension": dimension, "score": score}
                )
    return {
        "resources": (resource_rows, RESOURCES),
        "items": (item_rows, ITEMS),
        "relations": (relation_rows, RELATIONS),
        "quality": (quality_rows, QUALITY),
    }
