"""Assemble the directory from what already exists: the dbt manifest, the registry, catalog/sources.yaml.

    resources = assemble(manifest, registry, config)     # list[Resource], items and lineage filled

One resource per curated model (models/base, models/theme: 类 1 基础, 类 2 主题, and the 一数一源
tables of 类 3) from its meta.directory and column meta; one per registry source as the department
delivers it (类 3 部门) from the registry and catalog/sources.yaml, its 信息项 the registry's columns
(Chinese header, type, sensitivity). Nothing is typed twice: a missing fact is an error naming the
model or source and the field, not a default.
"""

from __future__ import annotations

from collections import deque

from catalog.config import SourceEntry, SourcesConfig
from catalog.manifest import Manifest, Model
from catalog.model import CADENCE_CYCLE, TYPE_CODE, Item, Resource, split_description
from govlake.registry import Column, Registry, Source
from govlake.staging_contract import column_kind, glossary

DIRECTORY_KEYS = (
    "title",
    "title_en",
    "class",
    "item",
    "item_name",
    "catalog",
    "catalog_name",
    "sequence",
    "summary",
    "providers",
    "format",
    "sharing",
    "sharing_method",
    "opening",
    "update_cycle",
    "grade",
    "related",
)
SOURCE_FORMAT = "文件"  # a department's extract as delivered: files (CSV, XLSX, JSON, GeoJSON)


class DirectoryError(ValueError):
    """A resource lacks a fact the directory requires; the message names the resource and field."""


def assemble(manifest: Manifest, registry: Registry, config: SourcesConfig) -> list[Resource]:
    curated = sorted((m for m in manifest.models.values() if m.curated), key=lambda m: m.name)
    resources = [_curated(m) for m in curated]
    staging = {m.source_id: m for m in manifest.models.values() if m.source_id}
    for source in sorted(registry.sources.values(), key=lambda s: s.id):
        resources.append(_source(source, config, staging.get(source.id)))
    _providers(resources, registry)
    _lineage(resources, manifest)
    _check_related(resources)
    return resources


def _curated(m: Model) -> Resource:
    d = m.directory
    missing = [k for k in DIRECTORY_KEYS if d.get(k) in (None, "") and k != "related"]
    if missing:
        raise DirectoryError(
            f"model {m.name}: meta.directory lacks {', '.join(missing)} (dbt_project/DIRECTORY_META.md)"
        )
    if d["sharing"] != "无条件共享" and not d.get("sharing_condition"):
        raise DirectoryError(f"model {m.name}: meta.directory.sharing_condition is required for {d['sharing']}")
    items = []
    for i, c in enumerate(m.columns, start=1):
        zh, en = split_description(c.description)
        for key in ("type_code", "sensitivity"):
            if not c.meta.get(key):
                raise DirectoryError(f"model {m.name}: column {c.name} has no meta.{key}")
        if not zh:
            raise DirectoryError(f"model {m.name}: column {c.name} has no description (Chinese — English)")
        items.append(
            Item(
                i,
                c.name,
                zh,
                en,
                c.meta["type_code"],
                c.meta["sensitivity"],
                c.meta.get("grade", d["grade"]),
                c.data_type,
            )
        )
    return Resource(
        name=m.name,
        kind="curated",
        class_code=int(d["class"]),
        item=str(d["item"]),
        item_name=d["item_name"],
        catalog=str(d["catalog"]),
        catalog_name=d["catalog_name"],
        sequence=int(d["sequence"]),
        title=d["title"],
        title_en=d["title_en"],
        providers=list(d["providers"]),
        summary=d["summary"],
        format=d["format"],
        sharing=d["sharing"],
        sharing_condition=d.get("sharing_condition"),
        sharing_method=d["sharing_method"],
        opening=d["opening"],
        update_cycle=d["update_cycle"],
        grade=d["grade"],
        related=list(d.get("related") or []),
        relation=m.relation,
        library=m.library,
        items=items,
    )


def sensitivity_of(source: Source, column: Column, entry: SourceEntry) -> str:
    """docs/directory.md: an ID number or mobile is 敏感个人信息, a column naming an ID number's
    holder 个人信息, what the registry cannot say is in catalog/sources.yaml, the rest 非个人信息."""
    if column.name in entry.sensitivity:
        return entry.sensitivity[column.name]
    if "id_card" in column.checks or "mobile" in column.checks:
        return "敏感个人信息"
    if column.names and "id_card" in source.column(column.names).checks:
        return "个人信息"
    return "非个人信息"


def _source(source: Source, config: SourcesConfig, staging: Model | None) -> Resource:
    entry = config.sources[source.id]
    department = config.departments[source.department]
    english = {c.name: split_description(c.description)[1] for c in (staging.columns if staging else [])}
    items = [
        Item(
            i,
            c.name,
            c.header,
            english.get(c.name, ""),
            entry.type_codes.get(c.name) or TYPE_CODE.get(column_kind(c), "C"),
            sensitivity_of(source, c, entry),
            entry.grade,
            c.type,
        )
        for i, c in enumerate(source.columns, start=1)
    ]
    return Resource(
        name=source.id,
        kind="source",
        class_code=3,
        item=department.item,
        item_name=department.item_name,
        catalog=entry.catalog,
        catalog_name=entry.catalog_name,
        sequence=entry.sequence,
        title=source.title,
        title_en=glossary()["sources"].get(source.id, ""),
        providers=[source.department],
        summary=entry.summary,
        format=SOURCE_FORMAT,
        sharing=entry.sharing,
        sharing_condition=entry.sharing_condition,
        sharing_method=entry.sharing_method,
        opening=entry.opening,
        update_cycle=CADENCE_CYCLE[source.delivery.cadence],
        grade=entry.grade,
        related=list(entry.related),
        relation=staging.relation if staging else None,
        library=source.library,
        items=items,
    )


def _providers(resources: list[Resource], registry: Registry) -> None:
    for r in resources:
        unknown = [p for p in r.providers if p not in registry.departments]
        if unknown:
            raise DirectoryError(f"resource {r.name}: providers {unknown} are not departments of the registry")
        r.provider_names = [registry.departments[p].name for p in r.providers]
        r.provider_usccs = [registry.departments[p].uscc for p in r.providers]


def _lineage(resources: list[Resource], manifest: Manifest) -> None:
    """Upstream and downstream resources, through the models that are none (staging of an
    unregistered source, intermediate models)."""
    by_uid: dict[str, str] = {}
    for m in manifest.models.values():
        if m.curated:
            by_uid[m.unique_id] = m.name
        elif m.source_id:
            by_uid[m.unique_id] = m.source_id
    parents = {uid: m.parents for uid, m in manifest.models.items()}
    children = manifest.children()

    def nearest(start: str, edges: dict[str, list[str]]) -> list[str]:
        found, seen, todo = set(), {start}, deque(edges.get(start, []))
        while todo:
            uid = todo.popleft()
            if uid in seen:
                continue
            seen.add(uid)
            if uid in by_uid:
                found.add(by_uid[uid])
            else:
                todo.extend(edges.get(uid, []))
        return sorted(found)

    names = {r.name: r for r in resources}
    for uid, name in by_uid.items():
        if name in names:
            names[name].upstream = nearest(uid, parents)
            names[name].downstream = nearest(uid, children)


def _check_related(resources: list[Resource]) -> None:
    names = {r.name for r in resources}
    for r in resources:
        unknown = [x for x in r.related if x not in names]
        if unknown:
            raise DirectoryError(f"resource {r.name}: related {unknown} are not resources of the directory")
