"""The directory's versions in the warehouse: record a build's changes, approve or reject them.

    record_build(con, current, now)               # inside build_directory's transaction
    approve(lake, change_id, by)                  # 待审核 → 已发布, a new directory version
    reject(lake, change_id, by, reason)           # 待审核 → 已驳回; the published directory stays
    pending(lake)                                 # the changes waiting for a steward

The rules of what widens access are catalog/versions.py's. The first build publishes the whole
directory as version 1 (its facts were reviewed where they are written: the dbt models and
catalog/sources.yaml). A rejected change is not raised again while the built value stays the
one rejected; a pending change the build no longer finds (the value went back) is 已失效.
Every decision is in the audit log.
"""

from __future__ import annotations

import json
from contextlib import contextmanager
from datetime import UTC, datetime

import duckdb

from catalog.versions import NARROW, NEUTRAL, PENDING, PUBLISHED, REJECTED, SUPERSEDED, WIDEN, Change, apply, compare
from govlake import audit, duckdb_settings
from govlake.lock import lake_lock
from govlake.settings import Lake

INITIAL = "初始发布 initial build"
CHANGE_COLUMNS = ("change_id", "version", "code", "resource", "kind", "field", "old_value", "new_value", "direction",
                  "status", "detected_at", "decided_by", "decided_at", "reason")  # fmt: skip


class ReviewError(ValueError):
    """No such change, or not one waiting for review."""


def _published(con) -> dict[str, dict]:
    return {code: json.loads(s) for code, s in con.execute("SELECT code, state FROM catalog.published").fetchall()}


def _save(con, published: dict[str, dict], touched: set[str], version: int) -> None:
    for code in sorted(touched):
        con.execute("DELETE FROM catalog.published WHERE code = ?", [code])
        if code in published:
            con.execute(
                "INSERT INTO catalog.published VALUES (?, ?, ?)",
                [code, json.dumps(published[code], ensure_ascii=False, sort_keys=True), version],
            )


def _next(con, what: str) -> int:
    sql = {
        "version": "SELECT coalesce(max(version), 0) + 1 FROM catalog.versions",
        "change": "SELECT coalesce(max(CAST(substr(change_id, 2) AS INTEGER)), 0) + 1 FROM catalog.changes",
    }[what]
    return con.execute(sql).fetchall()[0][0]


def _key(c) -> tuple:
    return (c[0], c[1], c[2], c[3])  # code, kind, field, new value


def record_build(con: duckdb.DuckDBPyConnection, current: dict[str, dict], now: datetime) -> dict:
    """Compare the build with the published directory; publish what may be, hold what widens."""
    published = _published(con)
    first = not published and _next(con, "version") == 1
    changes = compare(published, current)
    open_rows = con.execute(
        "SELECT change_id, code, kind, field, new_value, status FROM catalog.changes WHERE status IN (?, ?)",
        [PENDING, REJECTED],
    ).fetchall()
    held = {(r[1], r[2], r[3], r[4]): (r[0], r[5]) for r in open_rows}
    found = {(c.code, c.kind, c.field, c.new) for c in changes}
    for key, (change_id, status) in held.items():
        if status == PENDING and key not in found:
            con.execute("UPDATE catalog.changes SET status = ?, decided_at = ? WHERE change_id = ?",
                        [SUPERSEDED, now, change_id])  # fmt: skip
    to_publish, to_hold = [], []
    for c in changes:
        if (c.code, c.kind, c.field, c.new) in held:
            continue  # already waiting, or rejected while the value stays the rejected one
        (to_hold if c.direction == WIDEN and not first else to_publish).append(c)
    version = None
    if to_publish:
        version = _next(con, "version")
        for c in to_publish:
            apply(published, current, c)
        _save(con, published, {c.code for c in to_publish}, version)
        con.execute("INSERT INTO catalog.versions VALUES (?, ?, ?, ?)",
                    [version, now, INITIAL if first else "build", len(to_publish)])  # fmt: skip
    n = _next(con, "change")
    for i, c in enumerate(to_publish + to_hold):
        status = PUBLISHED if c in to_publish else PENDING
        con.execute(
            f"INSERT INTO catalog.changes ({', '.join(CHANGE_COLUMNS)}) "
            f"VALUES ({', '.join('?' * len(CHANGE_COLUMNS))})",
            [f"c{n + i:05d}", version if status == PUBLISHED else None, c.code, c.resource, c.kind, c.field, c.old,
             c.new, c.direction, status, now, (INITIAL if first else "build") if status == PUBLISHED else None,
             now if status == PUBLISHED else None, None],
        )  # fmt: skip
    return {"version": version, "published": len(to_publish), "pending": len(to_hold)}


def _change(con, change_id: str) -> dict:
    cur = con.execute(f"SELECT {', '.join(CHANGE_COLUMNS)} FROM catalog.changes WHERE change_id = ?", [change_id])
    rows = cur.fetchall()
    if not rows:
        raise ReviewError(f"no change {change_id!r} in the directory (govlake catalog review lists them)")
    row = dict(zip(CHANGE_COLUMNS, rows[0]))
    if row["status"] != PENDING:
        raise ReviewError(f"change {change_id} is {row['status']}, not {PENDING}: nothing to decide")
    return row


def _current(con) -> dict[str, dict]:
    from catalog.versions import state

    cur = con.execute("SELECT * FROM catalog.resources")
    names = [d[0] for d in cur.description]
    resources = [dict(zip(names, r)) for r in cur.fetchall()]
    cur = con.execute("SELECT * FROM catalog.items ORDER BY resource_code, position")
    names = [d[0] for d in cur.description]
    items: dict[str, list[dict]] = {}
    for r in cur.fetchall():
        row = dict(zip(names, r))
        items.setdefault(row["resource_code"], []).append(row)
    return {r["code"]: state(r, items.get(r["code"], [])) for r in resources}


@contextmanager
def _deciding(lake: Lake, action: str, change_id: str, by: str):
    """A steward's decision on a held change: audited (refused when there is nothing to
    decide), under the lake lock, on a writing connection; yields (connection, change row, entry)."""
    with (
        audit.recorded(lake, action, subject=change_id, actor=by, refused=(ReviewError,)) as entry,
        lake_lock(lake),
    ):
        con = duckdb_settings.connect(lake, lake.warehouse)
        try:
            row = _change(con, change_id)
            entry.details.update(resource=row["resource"], kind=row["kind"], field=row["field"])
            yield con, row, entry
        finally:
            con.close()


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None, microsecond=0)


def approve(lake: Lake, change_id: str, by: str) -> int:
    """Publish a held change as a new directory version; returns the version."""
    now = _now()
    with _deciding(lake, "catalog.approve", change_id, by) as (con, row, entry):
        published, current = _published(con), _current(con)
        if row["kind"] != "resource_removed" and row["code"] not in current:
            raise ReviewError(f"change {change_id}: resource {row['resource']} is no longer in the directory")
        change = Change(row["code"], row["resource"], row["kind"], row["field"], row["old_value"],
                        row["new_value"], row["direction"])  # fmt: skip
        con.begin()
        version = _next(con, "version")
        apply(published, current, change)
        _save(con, published, {change.code}, version)
        con.execute("INSERT INTO catalog.versions VALUES (?, ?, ?, 1)", [version, now, by])
        con.execute(
            "UPDATE catalog.changes SET status = ?, version = ?, decided_by = ?, decided_at = ? WHERE change_id = ?",
            [PUBLISHED, version, by, now, change_id],
        )
        con.commit()
        entry.details["version"] = version
    return version


def reject(lake: Lake, change_id: str, by: str, reason: str) -> None:
    if not reason.strip():
        raise ReviewError("a rejection needs its reason (--reason)")
    with _deciding(lake, "catalog.reject", change_id, by) as (con, _row, entry):
        con.execute(
            "UPDATE catalog.changes SET status = ?, decided_by = ?, decided_at = ?, reason = ? WHERE change_id = ?",
            [REJECTED, by, _now(), reason, change_id],
        )
        entry.details["reason"] = reason


def pending(lake: Lake) -> list[dict]:
    with lake_lock(lake):
        con = duckdb_settings.connect(lake, lake.warehouse, read_only=True)
        try:
            cur = con.execute(
                f"SELECT {', '.join(CHANGE_COLUMNS)} FROM catalog.changes WHERE status = ? ORDER BY change_id",
                [PENDING],
            )
            return [dict(zip(CHANGE_COLUMNS, r)) for r in cur.fetchall()]
        finally:
            con.close()


__all__ = ["NARROW", "NEUTRAL", "WIDEN", "approve", "pending", "record_build", "reject"]
