"""catalog/sources.yaml, validated: the directory facts of the department sources (类 3 部门).

    from catalog.config import load_sources
    config = load_sources(registry)        # SourcesConfig; CatalogConfigError naming source and field

The vocabulary (共享属性, 开放属性, 数据分级, 敏感程度) is docs/directory.md's; a source of the
registry missing here, a source here the registry does not know, a sensitivity for a column the
source does not have, a related model that is not a curated model (checked by the builder, which
knows the models) are errors.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from govlake.registry import Registry

SOURCES_PATH = Path(__file__).with_name("sources.yaml")

Sharing = Literal["无条件共享", "有条件共享", "不予共享"]
Opening = Literal["无条件开放", "有条件开放", "不予开放"]
Grade = Literal["核心数据", "重要数据", "一般数据"]
Sensitivity = Literal["敏感个人信息", "个人信息", "非个人信息"]
TypeCode = Literal["C", "N", "Y", "D", "T", "L", "M", "G", "B", "I", "F"]


class CatalogConfigError(ValueError):
    """catalog/sources.yaml is wrong; the message names the source and the field."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DepartmentItem(_Strict):
    item: str = Field(pattern=r"^\d{2}$")
    item_name: str = Field(min_length=1)


class SourceEntry(_Strict):
    catalog: str = Field(pattern=r"^\d{3}$")
    catalog_name: str = Field(min_length=1)
    sequence: int = Field(default=1, ge=1)
    summary: str = Field(min_length=1)
    sharing: Sharing
    sharing_condition: str | None = None
    sharing_method: str = Field(min_length=1)
    opening: Opening
    grade: Grade
    related: list[str] = []
    sensitivity: dict[str, Sensitivity] = {}
    type_codes: dict[str, TypeCode] = {}

    @model_validator(mode="after")
    def _condition_unless_unconditional(self) -> SourceEntry:
        if self.sharing != "无条件共享" and not self.sharing_condition:
            raise ValueError(f"sharing_condition is required for {self.sharing} (the condition, or the legal basis)")
        return self


class SourcesConfig(_Strict):
    departments: dict[str, DepartmentItem]
    sources: dict[str, SourceEntry]


def _where(error: dict) -> str:
    return ".".join(str(p) for p in error["loc"])


def load_sources(registry: Registry, path: Path = SOURCES_PATH) -> SourcesConfig:
    """The validated file, agreeing with the registry."""
    try:
        # libyaml's loader where PyYAML has it: a tenth of the pure-Python one's ~95 ms here
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
        config = SourcesConfig.model_validate(raw)
    except ValidationError as e:
        problems = "; ".join(f"{_where(err)}: {err['msg']}" for err in e.errors())
        raise CatalogConfigError(f"{path}: {problems}") from None
    except yaml.YAMLError as e:
        raise CatalogConfigError(f"{path}: not valid YAML: {e}") from None
    problems = []
    for sid in sorted(set(registry.sources) - set(config.sources)):
        problems.append(f"sources.{sid}: missing (every registry source is a 类 3 resource)")
    for sid in sorted(set(config.sources) - set(registry.sources)):
        problems.append(f"sources.{sid}: not a source of the registry")
    for code in sorted({s.department for s in registry.sources.values()} - set(config.departments)):
        problems.append(f"departments.{code}: missing (its sources need a 项)")
    for sid, entry in sorted(config.sources.items()):
        if sid in registry.sources:
            known = set(registry.sources[sid].column_names)
            for field_name in ("sensitivity", "type_codes"):
                for column in sorted(set(getattr(entry, field_name)) - known):
                    problems.append(f"sources.{sid}.{field_name}.{column}: the source has no such column")
    items = [(d.item) for d in config.departments.values()]
    if len(items) != len(set(items)):
        problems.append("departments: two departments share one 项")
    codes = [
        (registry.sources[sid].department, e.catalog, e.sequence)
        for sid, e in config.sources.items()
        if sid in registry.sources
    ]
    if len(codes) != len(set(codes)):
        problems.append("sources: two sources of one department share a 目 and 顺序")
    if problems:
        raise CatalogConfigError(f"{path}: " + "; ".join(problems))
    return config
