"""The published directory, read once for every export format.

    directory = read_published(lake)     # PublishedDirectory: version, resources (items nested)

What leaves the lake is the published directory (catalog/sql/published_directory.sql): a change
held 待审核 is not in it, nor a resource whose addition waits for a steward. Every string passes
through govlake.pii.mask_text: the directory holds no personal values, but a summary or a
condition is free text a person could have typed an ID number into.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from govlake import duckdb_settings
from govlake.lock import lake_lock
from govlake.pii import mask_record
from govlake.registry import Registry, load_registry
from govlake.settings import Lake

SQL = Path(__file__).resolve().parent.parent / "sql" / "published_directory.sql"
TITLE = "政务信息资源目录"


class ExportError(RuntimeError):
    """There is nothing published to export; the message says what to run."""


@dataclass(frozen=True)
class PublishedDirectory:
    version: int  # the directory version (catalog.versions) the export shows
    version_published_at: str  # when that version was published, ISO 8601
    exported_at: str  # ISO 8601, UTC
    resources: list[dict]  # one per published resource, 信息项 under "items"

    @property
    def items(self) -> int:
        return sum(len(r["items"]) for r in self.resources)


def _has_directory(con) -> bool:
    found = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'catalog' "
        "AND table_name IN ('published', 'versions', 'resources', 'items')"
    ).fetchall()[0][0]
    return found == 4


def read_published(lake: Lake, registry: Registry | None = None) -> PublishedDirectory:
    if not lake.warehouse.exists():
        raise ExportError(f"no warehouse at {lake.warehouse}: run `govlake run` first")
    with lake_lock(lake):  # a build in progress finishes first: the export shows one version
        con = duckdb_settings.connect(lake, lake.warehouse, read_only=True)
        try:
            if not _has_directory(con):
                raise ExportError("no published directory in the warehouse: run `govlake catalog build`")
            latest = con.execute(
                "SELECT version, published_at FROM catalog.versions ORDER BY version DESC LIMIT 1"
            ).fetchall()
            if not latest:
                raise ExportError("the directory has no published version yet: run `govlake catalog build`")
            version, published_at = latest[0]
            resources = con.sql(SQL.read_text(encoding="utf-8")).to_arrow_table().to_pylist()
        finally:
            con.close()
    registry = registry or load_registry()
    for r in resources:
        source = registry.sources.get(r["name"]) if r["kind"] == "source" else None
        # a department source is offered as the department delivers it (csv, xlsx, json, …)
        r["delivery_format"] = source.format if source else None
    return PublishedDirectory(
        version=version,
        version_published_at=published_at.isoformat(sep=" "),
        exported_at=datetime.now(UTC).replace(microsecond=0).isoformat(),
        resources=[mask_record(r) for r in resources],
    )
