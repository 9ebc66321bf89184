"""The share workflow's warehouse: the `sharing` schema, its writing connection, its ids, its
history, and the access snapshot rewritten from it.

    with writing(lake, "share.approve", subject="APP-00001", actor="王五", refused=(ShareError,)) as (con, entry):
        ...                                  # audited, under the lake lock, schema in place
        event(con, by, "grant.created", grant_id, None, {...})
    snapshot = warehouse_snapshot(con)       # AccessSnapshot of every token and grant
    rows = read_rows(lake, sql, params)      # read-only, [] when there is no sharing schema

Every change is committed together with its sharing.events row, then access.json is rewritten
from the tables before the lock is let go (sharing/access.py): a revocation is in force when
the command returns. Timestamps are UTC in the warehouse, ISO 8601 with offset in the snapshot.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from govlake import audit, duckdb_settings
from govlake.lock import lake_lock
from govlake.settings import Lake
from sharing.access import AccessSnapshot, Grant, Token, write_snapshot

SQL_DIR = Path(__file__).with_name("sql")
PREFIXES = {"application": ("APP", "sharing.applications", "application_id"),
            "grant": ("GRT", "sharing.grants", "grant_id"),
            "token": ("TKN", "sharing.tokens", "token_id")}  # fmt: skip


class ShareError(ValueError):
    """A share command cannot be done; the message says what was wrong and what is valid."""


def sql(name: str) -> str:
    return (SQL_DIR / f"{name}.sql").read_text(encoding="utf-8")


def _statements(text: str) -> list[str]:
    body = "\n".join(line.split("--", 1)[0] for line in text.splitlines())
    return [s.strip() for s in body.split(";") if s.strip()]


def now_utc() -> datetime:
    """Naive UTC to the second, as the warehouse stores time."""
    return datetime.now(UTC).replace(tzinfo=None, microsecond=0)


def iso(at: datetime | None) -> str | None:
    """A warehouse time (naive UTC) as ISO 8601 with its offset."""
    return at.replace(tzinfo=UTC).isoformat() if at else None


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    for stmt in _statements(sql("schema")):
        con.execute(stmt)


def next_id(con: duckdb.DuckDBPyConnection, what: str) -> str:
    prefix, table, column = PREFIXES[what]
    n = con.execute(f"SELECT coalesce(max(CAST(substr({column}, 5) AS INTEGER)), 0) + 1 FROM {table}").fetchall()
    return f"{prefix}-{n[0][0]:05d}"


def event(con, by: str, kind: str, subject: str, old: dict | None, new: dict | None) -> None:
    """One row of the append-only history."""
    n = con.execute("SELECT coalesce(max(event_id), 0) + 1 FROM sharing.events").fetchall()[0][0]
    con.execute(
        "INSERT INTO sharing.events VALUES (?, ?, ?, ?, ?, ?, ?)",
        [n, now_utc(), by, kind, subject, _json(old), _json(new)],
    )


def _json(d: dict | None) -> str | None:
    return None if d is None else json.dumps(d, ensure_ascii=False, sort_keys=True, default=str)


def dicts(con, query: str, params=None) -> list[dict]:
    cur = con.execute(query, params or [])
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row)) for row in cur.fetchall()]


def warehouse_snapshot(con: duckdb.DuckDBPyConnection) -> AccessSnapshot:
    """Every token and grant of the warehouse, as the gateway and the exports read them."""
    tokens = [
        Token(t["token_id"], t["hash"], t["holder"], t["role"], iso(t["expires_at"]), iso(t["revoked_at"]))
        for t in dicts(con, "SELECT * FROM sharing.tokens ORDER BY token_id")
    ]
    grants = [
        Grant(
            grant_id=g["grant_id"],
            consumer=g["consumer"],
            resource=g["resource"],
            items=tuple(g["items"]),
            clear_items=tuple(g["clear_items"]),
            purpose=g["purpose"],
            legal_basis=g["legal_basis"],
            expires_at=iso(g["expires_at"]),
            revoked_at=iso(g["revoked_at"]),
            application_id=g["application_id"],
            granted_by=g["granted_by"],
            granted_at=iso(g["granted_at"]),
        )  # fmt: skip
        for g in dicts(con, "SELECT * FROM sharing.grants ORDER BY grant_id")
    ]
    return AccessSnapshot(tokens=tuple(tokens), grants=tuple(grants))


@contextmanager
def writing(
    lake: Lake, action: str, *, subject: str, actor: str, refused: tuple = (ShareError,)
) -> Iterator[tuple[duckdb.DuckDBPyConnection, audit.Entry]]:
    """An audited change under the lake lock, in one transaction; on success access.json is
    rewritten from the warehouse before the lock is let go."""
    with audit.recorded(lake, action, subject=subject, actor=actor, refused=refused) as entry, lake_lock(lake):
        if not (actor or "").strip():
            raise ShareError("say who does this (--by): it is kept with the record and audited")
        con = duckdb_settings.connect(lake, lake.warehouse)
        try:
            ensure_schema(con)
            con.begin()
            try:
                yield con, entry
            except BaseException:
                con.rollback()
                raise
            con.commit()
            write_snapshot(lake, warehouse_snapshot(con))
        finally:
            con.close()


def refresh_snapshot(lake: Lake) -> Path:
    """Rewrite access.json from the warehouse (what every change does; also after a restore)."""
    with lake_lock(lake):
        con = duckdb_settings.connect(lake, lake.warehouse)
        try:
            ensure_schema(con)
            return write_snapshot(lake, warehouse_snapshot(con))
        finally:
            con.close()


def read_rows(lake: Lake, query: str, params=None) -> list[dict]:
    """Rows of a read-only query on the sharing schema; [] when the lake has none yet."""
    if not lake.warehouse.exists():
        return []
    with lake_lock(lake):
        con = duckdb_settings.connect(lake, lake.warehouse, read_only=True)
        try:
            if not has_schema(con):
                return []
            return dicts(con, query, params)
        finally:
            con.close()


def has_schema(con) -> bool:
    return bool(
        con.execute(
            "SELECT 1 FROM information_schema.tables WHERE table_schema = 'sharing' AND table_name = 'grants'"
        ).fetchall()
    )
