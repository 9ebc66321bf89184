"""The 政务信息资源目录 as the catalog builds it: resources, their 信息项, their relations.

Fields and vocabulary: docs/directory.md. The field names are
the columns of catalog.resources, catalog.items and catalog.relations (catalog/store.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field

CLASS_NAMES = {1: "基础", 2: "主题", 3: "部门"}
CADENCE_CYCLE = {"daily": "每日", "weekly": "每周", "monthly": "每月", "quarterly": "每季度", "yearly": "每年"}
# 数据项类型: the registry's column types (govlake/staging_contract.py column kinds)
TYPE_CODE = {
    "date": "D",
    "datetime": "T",
    "integer": "I",
    "decimal": "N",
    "geometry": "G",
}  # every other kind (text, codes, identifiers, periods) is C 字符


def resource_code(class_code: int, item: str, catalog: str, sequence: int) -> str:
    """<类><项:2><目:3>/<顺序:6>, e.g. 101001/000001."""
    return f"{class_code}{item}{catalog}/{sequence:06d}"


@dataclass
class Item:
    """信息项: one column of a resource."""

    position: int
    name: str
    name_zh: str
    name_en: str
    type_code: str
    sensitivity: str
    grade: str
    data_type: str | None = None


@dataclass
class Resource:
    name: str  # the curated model, or the registry source id
    kind: str  # curated | source
    class_code: int
    item: str
    item_name: str
    catalog: str
    catalog_name: str
    sequence: int
    title: str
    title_en: str
    providers: list[str]
    summary: str
    format: str
    sharing: str
    sharing_condition: str | None
    sharing_method: str
    opening: str
    update_cycle: str
    grade: str
    related: list[str]  # resource names
    relation: str | None  # schema.table in the warehouse
    library: str
    items: list[Item] = field(default_factory=list)
    code: str = ""  # from the code register (catalog/codes.py)
    provider_names: list[str] = field(default_factory=list)
    provider_usccs: list[str] = field(default_factory=list)
    upstream: list[str] = field(default_factory=list)  # resource names
    downstream: list[str] = field(default_factory=list)
    rows: int | None = None
    last_refresh: str | None = None
    published_at: str | None = None

    @property
    def class_name(self) -> str:
        return CLASS_NAMES[self.class_code]

    @property
    def derived_code(self) -> str:
        return resource_code(self.class_code, self.item, self.catalog, self.sequence)


def split_description(description: str) -> tuple[str, str]:
    """'中文 — English' → (中文, English); the house style of every dbt description."""
    zh, sep, en = description.partition(" — ")
    return zh.strip(), (en.strip() if sep else "")
