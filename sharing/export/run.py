"""One export, from request to logged file: entitlement, masked rows, the file, its log row, its
audit record (written whatever the outcome: ok, refused or failed)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from govlake import audit
from govlake.lock import lake_lock
from govlake.settings import Lake

from ..access import Token, read_snapshot
from ..engine import Engine
from ..entitlement import Denied, entitle
from ..published import UNCONDITIONAL, read_layer
from .csv_file import manifest, write_csv
from .info import FORMATS, ExportInfo, columns_of, new_export_id, now
from .log import log_export
from .parquet_file import write_parquet
from .target import TargetRefused, check_target, partial, publish, sha256
from .xlsx_file import MAX_ROWS, write_xlsx

ACTION = "share.export"
WRITERS = {"csv": write_csv, "xlsx": write_xlsx, "parquet": write_parquet}


class ExportRefused(Exception):
    """The export is not allowed (no grant in force, a bad target, …); the message says why."""


@dataclass(frozen=True)
class Request:
    resource: str  # directory code
    format: str  # csv | xlsx | parquet
    to: Path
    grant_id: str | None = None
    consumer: str | None = None  # --for DEPT, for a 无条件共享 resource without a grant
    purpose: str | None = None  # with --for; under a grant, the grant's purpose is recorded
    created_by: str | None = None


@dataclass(frozen=True)
class Exported:
    info: ExportInfo
    path: Path
    rows: int
    sha256: str
    manifest: Path | None = None


def export_resource(
    lake: Lake,
    request: Request,
    *,
    engine: Engine | None = None,
    on_total: Callable[[int], None] | None = None,
    on_rows: Callable[[int], None] | None = None,
) -> Exported:
    created_by = request.created_by or audit.who()["user"]
    details = {"format": request.format, "grant": request.grant_id, "consumer": request.consumer}
    with audit.recorded(
        lake, ACTION, subject=request.resource, actor=created_by, details=details, refused=(ExportRefused,)
    ) as entry:
        info, target = _entitled(lake, request, created_by)
        entry.details.update(
            export_id=info.export_id, consumer=info.consumer, grant=info.grant_id, clear_items=list(info.clear_items)
        )
        engine = engine or Engine(lake)
        items = [c.name for c in info.columns]
        clear = list(info.clear_items)  # the entitlement's: personal items the grant names
        total = engine.rows(info.resource, items, clear, limit=0).total
        if request.format == "xlsx" and total > MAX_ROWS:
            raise ExportRefused(f"{total:,} 行超过 XLSX 单表上限 {MAX_ROWS:,} — too many rows for XLSX: use csv")
        if on_total:
            on_total(total)
        done = _write(lake, info, target, engine.batches(info.resource, items, clear), on_rows)
        entry.details.update(rows=done.rows, sha256=done.sha256, path=str(done.path))
        return done


def _entitled(lake: Lake, request: Request, created_by: str) -> tuple[ExportInfo, Path]:
    if request.format not in FORMATS:
        raise ExportRefused(f"未知格式 {request.format} — format must be one of {', '.join(FORMATS)}")
    if bool(request.grant_id) == bool(request.consumer):
        raise ExportRefused("请给出 --grant 或 --for 之一 — give either --grant ID or --for DEPT")
    try:
        target = check_target(request.to, lake.home)
    except TargetRefused as e:
        raise ExportRefused(str(e)) from None
    resource = read_layer(lake).resource(request.resource)
    if resource is None:
        raise ExportRefused(f"目录中无资源 {request.resource} — no such resource in the published directory")
    snapshot = read_snapshot(lake)
    consumer = request.consumer
    if request.grant_id:
        grant = snapshot.grant(request.grant_id)
        if grant is None:
            raise ExportRefused(f"无授权 {request.grant_id} — no such grant")
        consumer = grant.consumer
    try:
        ent = entitle(Token("export", "", consumer, "consumer"), resource, snapshot, grant_id=request.grant_id)
    except Denied as e:
        raise ExportRefused(e.reason) from None
    at = now()
    purpose = ent.grant.purpose if ent.grant else (request.purpose or UNCONDITIONAL)
    info = ExportInfo(
        export_id=new_export_id(at),
        resource=resource,
        consumer=consumer,
        grant_id=ent.grant.grant_id if ent.grant else None,
        purpose=purpose,
        basis=ent.basis,
        format=request.format,
        created_by=created_by,
        created_at=at,
        columns=columns_of(resource, ent.items, ent.clear),
    )
    return info, target


def _write(lake: Lake, info: ExportInfo, target: Path, batches, on_rows) -> Exported:
    target.mkdir(parents=True, exist_ok=True)
    path = target / info.file_name()
    tmp, side = partial(path), None
    try:
        rows = WRITERS[info.format](batches, tmp, info, on_rows)
        digest = sha256(tmp)
        if info.format == "csv":
            side = path.with_name(path.name + ".manifest.json")
            partial(side).write_bytes(manifest(info, path.name, rows, digest))
        # logged before the file appears: no export exists that the log does not know
        with lake_lock(lake):
            log_export(lake, info, rows, digest, path)
            publish(tmp, path)
            if side:
                publish(partial(side), side)
    finally:
        tmp.unlink(missing_ok=True)
        if side:
            partial(side).unlink(missing_ok=True)
    return Exported(info, path, rows, digest, side)
