"""The gateway's bearer tokens: created for a holder and a role, shown once, stored hashed.

    token_id, secret = create(lake, holder="mzj", role="consumer", days=90, by="大数据局-张")
    revoke(lake, token_id, by=…)
    listing(lake)                     # rows without the hash

A consumer token's holder is a department code of the registry (its grants are the
department's); an analyst's or a steward's is a person. Only sha256(secret) reaches the
warehouse and access.json (sharing/access.py); the secret is returned once, to be handed over.
"""

from __future__ import annotations

from datetime import timedelta

from govlake.registry import Registry, load_registry
from govlake.settings import Lake
from sharing.access import ROLES, hash_token, new_token
from sharing.store import ShareError, dicts, event, next_id, now_utc, read_rows, writing

DEFAULT_DAYS = 90
MAX_DAYS = 366  # a token outliving a year outlives the people who asked for it


def create(
    lake: Lake, *, holder: str, role: str, by: str, days: int = DEFAULT_DAYS, registry: Registry | None = None
) -> tuple[dict, str]:
    """A new token: (its row without the hash, the secret — shown once, never stored)."""
    registry = registry or load_registry()
    with writing(lake, "share.token_create", subject=holder, actor=by) as (con, entry):
        entry.details.update(holder=holder, role=role, days=days)
        if role not in ROLES:
            raise ShareError(f"unknown role {role!r}; roles: {', '.join(ROLES)}")
        if role == "consumer" and holder not in registry.departments:
            raise ShareError(
                f"a consumer token is held by a department: {holder!r} is not one "
                f"({', '.join(sorted(registry.departments))})"
            )
        if not holder.strip():
            raise ShareError("a token needs its holder (--for)")
        if not 1 <= days <= MAX_DAYS:
            raise ShareError(f"--days must be between 1 and {MAX_DAYS}, not {days}")
        secret, now = new_token(), now_utc()
        row = {
            "token_id": next_id(con, "token"), "holder": holder.strip(), "role": role,
            "expires_at": now + timedelta(days=days), "created_by": by, "created_at": now,
        }  # fmt: skip
        con.execute(
            "INSERT INTO sharing.tokens (token_id, hash, holder, role, expires_at, created_by, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            [row["token_id"], hash_token(secret), *list(row.values())[1:]],
        )
        event(con, by, "token.created", row["token_id"], None, row)
        entry.subject = row["token_id"]
    return row, secret


def revoke(lake: Lake, token_id: str, *, by: str) -> None:
    """Stop a token now: access.json is rewritten before this returns."""
    with writing(lake, "share.token_revoke", subject=token_id, actor=by) as (con, entry):
        rows = dicts(con, "SELECT holder, role, revoked_at FROM sharing.tokens WHERE token_id = ?", [token_id])
        if not rows:
            raise ShareError(f"no token {token_id!r} (govlake share token list)")
        entry.details.update(holder=rows[0]["holder"], role=rows[0]["role"])
        if rows[0]["revoked_at"]:
            raise ShareError(f"token {token_id} was revoked at {rows[0]['revoked_at']} UTC")
        now = now_utc()
        con.execute("UPDATE sharing.tokens SET revoked_at = ?, revoked_by = ? WHERE token_id = ?", [now, by, token_id])
        event(con, by, "token.revoked", token_id, {"revoked_at": None}, {"revoked_at": now, "revoked_by": by})


def listing(lake: Lake) -> list[dict]:
    """Every token, newest first, without its hash."""
    return read_rows(
        lake,
        "SELECT token_id, holder, role, expires_at, created_by, created_at, revoked_at, revoked_by "
        "FROM sharing.tokens ORDER BY token_id DESC",
    )
