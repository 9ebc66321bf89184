"""What the site shows, read from the warehouse in one read-only pass under the lake lock.

    data = collect(lake)      # SiteData: resources (published values), items, quality, samples,
                              # consumers (grants in force), departments, changes, versions

A resource is shown with its PUBLISHED state (catalog.published: title, sharing and condition,
opening, grade, update cycle, 信息项): a change waiting for a steward is not on the site, and a
resource whose addition waits is not either. Five sample rows of each resource's relation are
masked here (catalog/site/masking.py), before anything is rendered: no unmasked copy leaves
this module.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from catalog.consumers import consumers
from catalog.site.masking import SampleMasker, stricter
from govlake import duckdb_settings
from govlake.lock import lake_lock
from govlake.pii import mask_text
from govlake.registry import Registry, load_registry
from govlake.settings import Lake

SQL_DIR = Path(__file__).with_name("sql")
SAMPLE_ROWS = 5
PUBLISHED_FIELDS = ("title", "sharing", "sharing_condition", "opening", "grade", "update_cycle")


class SiteError(RuntimeError):
    """No directory to publish (no warehouse, no catalog build), or nowhere safe to write it."""


@dataclass
class SiteData:
    resources: list[dict]  # published values; each with items, quality, samples, upstream/downstream
    departments: list[dict]  # code, name, uscc, provides, consumes (resource codes)
    changes: list[dict]
    versions: list[dict]
    held: int = 0  # resources whose addition waits for review: not on the site
    notes: list[str] = field(default_factory=list)


def _sql(name: str) -> str:
    return (SQL_DIR / f"{name}.sql").read_text(encoding="utf-8")


def _dicts(con, sql: str, params=None) -> list[dict]:
    cur = con.execute(sql, params or [])
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row)) for row in cur.fetchall()]


def _has_directory(con) -> bool:
    return bool(
        con.execute(
            "SELECT 1 FROM information_schema.tables WHERE table_schema = 'catalog' AND table_name = 'published'"
        ).fetchall()
    )


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _samples(con, relation: str | None, items: list[dict], masker: SampleMasker) -> tuple[list[str], list[list]]:
    """Up to five rows of the resource's relation, only its 信息项's columns, masked."""
    if not relation or "." not in relation:
        return [], []
    schema, table = relation.split(".", 1)
    present = {c for (c,) in con.execute(_sql("columns"), [schema, table]).fetchall()}
    shown = [i for i in items if i["name"] in present]
    if not shown:
        return [], []
    columns = ", ".join(f"CAST({_quote(i['name'])} AS VARCHAR)" for i in shown)
    rows = con.execute(f"SELECT {columns} FROM {_quote(schema)}.{_quote(table)} LIMIT {SAMPLE_ROWS}").fetchall()
    sensitivities = [i["mask_as"] for i in shown]
    return [i["name"] for i in shown], [masker.row(row, sensitivities) for row in rows]


def _published_items(state: dict, built: list[dict]) -> list[dict]:
    """The published 信息项, in the built column order (a published item no longer built last),
    each with the sensitivity its samples are masked by: the stricter of built and published."""
    by_name = {i["name"]: i for i in built}
    order = {i["name"]: i["position"] for i in built}
    out = []
    for name, p in sorted(state["items"].items(), key=lambda kv: (order.get(kv[0], 10**6), kv[0])):
        b = by_name.get(name, {})
        out.append(
            {
                "name": name,
                "name_zh": p["name_zh"],
                "name_en": b.get("name_en") or "",
                "type_code": p["type_code"],
                "sensitivity": p["sensitivity"],
                "data_type": b.get("data_type"),
                "mask_as": stricter(p["sensitivity"], b.get("sensitivity")),
            }
        )
    return out


def collect(lake: Lake, registry: Registry | None = None) -> SiteData:
    if not lake.warehouse.exists():
        raise SiteError(f"no warehouse at {lake.warehouse}: run `govlake run` first")
    registry = registry or load_registry()
    masker = SampleMasker(r.name for r in registry.city.regions if r.level == "county")
    with lake_lock(lake):
        con = duckdb_settings.connect(lake, lake.warehouse, read_only=True)
        try:
            if not _has_directory(con):
                raise SiteError("no resource directory in the warehouse: run `govlake catalog build` or `govlake run`")
            built = _dicts(con, _sql("resources"))
            items: dict[str, list[dict]] = {}
            for i in _dicts(con, _sql("items")):
                items.setdefault(i["resource_code"], []).append(i)
            quality: dict[str, list[dict]] = {}
            for q in _dicts(con, _sql("quality")):
                quality.setdefault(q["resource_code"], []).append(q)
            changes, versions = _dicts(con, _sql("changes")), _dicts(con, _sql("versions"))
            sharing = consumers(con, registry)
            resources, notes = [], []
            for r in built:
                if r["published_state"] is None:
                    continue
                state = json.loads(r["published_state"])
                shown = {**r, **{f: state.get(f) for f in PUBLISHED_FIELDS}}
                shown["items"] = _published_items(state, items.get(r["code"], []))
                shown["quality"] = quality.get(r["code"], [])
                shown["sample_error"] = None
                try:
                    shown["columns"], shown["samples"] = _samples(con, r["relation"], shown["items"], masker)
                except duckdb.Error as e:  # one unreadable table costs its samples, not the site
                    shown["columns"], shown["samples"] = [], []
                    shown["sample_error"] = mask_text(f"{r['relation']}: {str(e).splitlines()[0]}")
                    notes.append(f"{r['code']} {r['name']}: no sample rows ({shown['sample_error']})")
                shown["changes"] = [c for c in changes if c["code"] == r["code"]]
                shown["use"] = sharing.get(r["code"], {"consumers": [], "open_applications": 0})
                resources.append(shown)
        finally:
            con.close()
    held = len(built) - len(resources)
    return SiteData(
        resources=resources,
        departments=_departments(resources, registry),
        changes=changes,
        versions=versions,
        held=held,
        notes=([f"{held} resource(s) wait for review (govlake catalog review): not on the site"] if held else [])
        + notes,
    )


def _departments(resources: list[dict], registry: Registry) -> list[dict]:
    """Each providing department: the resources it provides, the resources made from its
    sources (downstream of what it delivers), and its sources' quality."""
    codes = sorted({p for r in resources for p in r["providers"]})
    out = []
    for code in codes:
        dept = registry.departments.get(code)
        own_sources = {s.id for s in registry.sources.values() if s.department == code}
        provides = [r["code"] for r in resources if code in r["providers"]]
        consumes = [r["code"] for r in resources if r["kind"] == "curated" and own_sources & set(r["sources"])]
        quality = [
            q for r in resources if r["kind"] == "source" and r["name"] in own_sources for q in r["quality"]
        ]  # its own deliveries, scored per dimension
        out.append(
            {
                "code": code,
                "name": dept.name if dept else code,
                "uscc": getattr(dept, "uscc", None) if dept else None,
                "provides": provides,
                "consumes": consumes,
                "quality": quality,
            }
        )
    return out
