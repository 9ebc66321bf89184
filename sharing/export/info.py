"""What an export is, as its files, its log row and its audit record state it."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime

from ..published import Resource

FORMATS = ("csv", "xlsx", "parquet")


def new_export_id(at: datetime) -> str:
    """EXP-<UTC date>-<8 hex>: sortable by day, unguessable, short enough to quote on a phone."""
    return f"EXP-{at:%Y%m%d}-{secrets.token_hex(4)}"


@dataclass(frozen=True)
class Column:
    name: str
    name_zh: str
    sensitivity: str
    masked: bool  # False only for a personal item the grant names for clear delivery


@dataclass(frozen=True)
class ExportInfo:
    export_id: str
    resource: Resource
    consumer: str
    grant_id: str | None
    purpose: str
    basis: str  # why the consumer may read it: 无条件共享 or grant GRT-…
    format: str
    created_by: str
    created_at: datetime
    columns: tuple[Column, ...] = field(default_factory=tuple)

    @property
    def clear_items(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if not c.masked and c.sensitivity != "非个人信息")

    def file_name(self) -> str:
        return f"{self.resource.code.replace('/', '-')}_{self.export_id}.{self.format}"

    def metadata(self) -> dict[str, str]:
        """The keys a file carries (Parquet key-value metadata, XLSX custom properties)."""
        return {
            "govlake.export_id": self.export_id,
            "govlake.resource": self.resource.code,
            "govlake.resource_title": self.resource.title,
            "govlake.consumer": self.consumer,
            "govlake.grant": self.grant_id or "",
            "govlake.basis": self.basis,
            "govlake.purpose": self.purpose,
            "govlake.clear_items": ",".join(self.clear_items),
            "govlake.created_by": self.created_by,
            "govlake.created_at": self.created_at.isoformat(timespec="seconds"),
        }


def columns_of(resource: Resource, items, clear) -> tuple[Column, ...]:
    clear = set(clear)
    out = []
    for name in items:
        item = resource.item(name)
        out.append(Column(name, item.name_zh, item.sensitivity, item.personal and name not in clear))
    return tuple(out)


def now() -> datetime:
    return datetime.now(UTC)
