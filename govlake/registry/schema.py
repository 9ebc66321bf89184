"""Pydantic model of the source registry: what a department delivers, column by column."""

from __future__ import annotations

import re
from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from govlake.registry.layouts import declared_layout

CHECKS = ("id_card", "uscc", "region", "mobile", "licence_id", "icd10", "industry", "patent_no")
Check = Literal["id_card", "uscc", "region", "mobile", "licence_id", "icd10", "industry", "patent_no"]
Cadence = Literal["daily", "weekly", "monthly", "quarterly", "yearly"]
CADENCE_DAYS = {"daily": 1, "weekly": 7, "monthly": 31, "quarterly": 92, "yearly": 366}

# File-name placeholders of the interface and the text each stands for.
_PLACEHOLDERS = {"YYYYMMDD": r"\d{8}", "YYYYMM": r"\d{6}", "YYYYQn": r"\d{4}Q[1-4]"}


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ConditionalCheck(Strict):
    """A check chosen per row by the value of another column (e.g. subject_type)."""

    by: str
    cases: dict[str, Check]


class Column(Strict):
    header: str
    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    type: Literal["string", "integer", "decimal", "date", "datetime", "code"]
    required: bool = False
    format: str | None = None
    pattern: str | None = None
    codes: dict[str, str] | list[str] | str | None = None
    range: tuple[float, float] | None = None
    check: Check | list[Check] | ConditionalCheck | None = None
    authority: str | None = Field(default=None, pattern=r"^[a-z_]+\.[a-z_]+$")
    # The column holding the identifier (ID number, USCC, or either) of the person or
    # enterprise this column names: the pair is checked against the golden name
    # (govlake/registry/names.py). Not in the spec, which says it only in prose.
    names: str | None = Field(default=None, pattern=r"^[a-z][a-z0-9_]*$")

    @field_validator("pattern")
    @classmethod
    def _pattern_compiles(cls, v: str | None) -> str | None:
        if v is not None:
            re.compile(v)
        return v

    @model_validator(mode="after")
    def _date_layout_known(self) -> Column:
        declared_layout(self.type, self.format)
        return self

    @property
    def layout(self) -> str | None:
        """The declared layout of a date or date-time column (govlake/registry/layouts.py)."""
        return declared_layout(self.type, self.format)

    @property
    def checks(self) -> list[str]:
        """Every named check this column may be validated by."""
        if self.check is None:
            return []
        if isinstance(self.check, str):
            return [self.check]
        if isinstance(self.check, list):
            return list(self.check)
        return sorted(set(self.check.cases.values()))

    def code_values(self, code_lists: dict[str, dict[str, str]]) -> list[str] | None:
        if self.codes is None:
            return None
        if isinstance(self.codes, str):
            return list(code_lists[self.codes])
        return list(self.codes)


class Delivery(Strict):
    mode: Literal["full", "incremental"]
    cadence: Cadence
    note: str = ""

    @property
    def period_days(self) -> int:
        return CADENCE_DAYS[self.cadence]


class Source(Strict):
    id: str
    department: str
    entity: str
    title: str
    library: str
    format: Literal["csv", "xlsx", "json", "jsonl", "geojson"]
    encoding: Literal["gb18030", "utf-8", "utf-8-sig"] | None = None
    sheet: str | None = None
    delivery: Delivery
    file: str
    key: list[str] = Field(min_length=1)
    columns: list[Column] = Field(min_length=1)
    rules: list[str] = []

    @model_validator(mode="after")
    def _consistent(self) -> Source:
        names = [c.name for c in self.columns]
        headers = [c.header for c in self.columns]
        for what, values in (("name", names), ("header", headers)):
            dupes = sorted({v for v in values if values.count(v) > 1})
            if dupes:
                raise ValueError(f"duplicate column {what}s: {', '.join(dupes)}")
        missing = [k for k in self.key if k not in names]
        if missing:
            raise ValueError(f"key column(s) {missing} are not among the columns {names}")
        if self.format == "xlsx" and not self.sheet:
            raise ValueError("an xlsx source must name its sheet")
        if self.format != "xlsx" and self.encoding is None:
            raise ValueError(f"a {self.format} source must name its encoding")
        for c in self.columns:
            if isinstance(c.check, ConditionalCheck) and c.check.by not in names:
                raise ValueError(f"column {c.name}: check depends on unknown column {c.check.by}")
        for c in self.columns:
            if c.names is not None:
                _check_names(self, c)
        if not any(p in self.file for p in _PLACEHOLDERS):
            raise ValueError(f"file pattern {self.file!r} has no date placeholder {list(_PLACEHOLDERS)}")
        return self

    @property
    def file_regex(self) -> re.Pattern[str]:
        """File names of a batch: the pattern, optionally split into _partN files."""
        stem, dot, ext = self.file.rpartition(".")
        rx = re.escape(stem)
        for placeholder, sub in _PLACEHOLDERS.items():
            rx = rx.replace(placeholder, sub)
        return re.compile(rf"^{rx}(_part\d+)?\.{re.escape(ext)}$", re.IGNORECASE)

    @property
    def headers(self) -> dict[str, str]:
        return {c.header: c.name for c in self.columns}

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(f"{self.id} has no column {name!r}")


def _check_names(source: Source, column: Column) -> None:
    """`names` points at another column of the source that identifies a person or enterprise."""
    if column.type != "string":
        raise ValueError(f"column {column.name}: only a string column can name an entity (names)")
    if column.names not in source.column_names or column.names == column.name:
        raise ValueError(f"column {column.name}: names {column.names!r}, which is not another column of the source")
    if not {"id_card", "uscc"} & set(source.column(column.names).checks):
        raise ValueError(
            f"column {column.name}: names {column.names}, which has no id_card or uscc check "
            "(the identifier of a person or enterprise)"
        )


class Department(Strict):
    code: str = Field(pattern=r"^[a-z]+$")
    name: str
    uscc: str

    @field_validator("uscc")
    @classmethod
    def _valid_uscc(cls, v: str) -> str:
        from stdnum.cn import uscc

        if not uscc.is_valid(v):
            raise ValueError(f"{v!r} is not a valid 统一社会信用代码 (GB 32100)")
        return v


class Region(Strict):
    code: str = Field(pattern=r"^\d{6}$")
    name: str
    level: Literal["city", "county"]
    valid_from: date
    valid_to: date | None = None
    successor: str | None = None

    @property
    def current(self) -> bool:
        return self.valid_to is None


class City(Strict):
    name: str
    region_code: str
    regions: list[Region]
    bbox: dict[Literal["lon", "lat"], tuple[float, float]]

    @property
    def current_codes(self) -> dict[str, str]:
        return {r.code: r.name for r in self.regions if r.current}

    @property
    def counties(self) -> dict[str, str]:
        return {r.code: r.name for r in self.regions if r.current and r.level == "county"}

    def successor(self, code: str) -> str | None:
        """The current code a retired one became, following the chain of renamings."""
        by_code = {r.code: r for r in self.regions}
        seen = set()
        while code in by_code and not by_code[code].current and code not in seen:
            seen.add(code)
            code = by_code[code].successor or code
        return code if code in by_code and by_code[code].current else None
