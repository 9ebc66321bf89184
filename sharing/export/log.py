"""sharing.exports in the warehouse: one row per export, written under the lake lock (the
warehouse has one writer at a time; a build running holds it, and the export waits)."""

from __future__ import annotations

from pathlib import Path

from govlake.lock import lake_lock
from govlake.settings import Lake
from govlake.warehouse import connect_when_free

from .info import ExportInfo

DDL = Path(__file__).resolve().parent.parent / "sql" / "exports.sql"
INSERT = (
    'INSERT INTO sharing.exports (export_id, consumer, grant_id, resource, purpose, format, "rows", columns,'
    " clear_items, sha256, path, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


def log_export(lake: Lake, info: ExportInfo, rows: int, sha256: str, path: Path) -> None:
    """Append the export's row; the caller holds the lake lock or it is taken here."""
    with lake_lock(lake):
        con = connect_when_free(lake)
        try:
            con.execute(DDL.read_text(encoding="utf-8"))
            con.execute(
                INSERT,
                [
                    info.export_id,
                    info.consumer,
                    info.grant_id,
                    info.resource.code,
                    info.purpose,
                    info.format,
                    rows,
                    [c.name for c in info.columns],
                    list(info.clear_items),
                    sha256,
                    str(path),
                    info.created_by,
                    info.created_at,
                ],
            )
        finally:
            con.close()
