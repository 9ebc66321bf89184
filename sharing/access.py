"""Who may read what, as the gateway and the exports see it: <lake>/sharing/access.json.

    snapshot = AccessSnapshot(tokens=[...], grants=[...])
    write_snapshot(lake, snapshot)          # after every change of a token or a grant (atomic)
    access = AccessReader(lake)             # the gateway's: reloads the file when it changes
    token = access.current().token(secret)  # None for an unknown, expired or revoked token

The warehouse holds the applications, grants and tokens with their whole history (the share
workflow writes them under the lake lock). The gateway must never open the warehouse (a build
holds it for minutes), so every command that changes a token or a grant also writes this
snapshot of what is in force — token hashes, never tokens — by writing beside and renaming, so a
reader sees the old file or the new one. A revocation is in force when its command returns: the
gateway compares the file's identity (inode, size, mtime) before every request, and checks
expiry against the clock on every request, not at load.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import threading
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from govlake.settings import Lake

FILE = "access.json"
TOKEN_PREFIX = "glk_"
ROLES = ("consumer", "analyst", "steward")


def access_file(lake: Lake) -> Path:
    return lake.home / "sharing" / FILE


def new_token() -> str:
    """A bearer token: shown once to its holder, stored only as its hash."""
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def hash_token(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _parse(ts: str | None) -> datetime | None:
    if not ts:
        return None
    at = datetime.fromisoformat(ts)
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def _in_force(expires_at: str | None, revoked_at: str | None, now: datetime) -> bool:
    if revoked_at and _parse(revoked_at) <= now:
        return False
    expiry = _parse(expires_at)
    return expiry is None or now < expiry


@dataclass(frozen=True)
class Token:
    token_id: str
    hash: str  # sha256 hex of the secret
    holder: str  # a department code (consumer) or a person (analyst, steward)
    role: str  # consumer | analyst | steward
    expires_at: str | None = None  # ISO 8601 with offset
    revoked_at: str | None = None

    def in_force(self, now: datetime | None = None) -> bool:
        return _in_force(self.expires_at, self.revoked_at, now or datetime.now(UTC))


@dataclass(frozen=True)
class Grant:
    grant_id: str
    consumer: str  # department code
    resource: str  # directory code, e.g. 101001/000001
    items: tuple[str, ...]  # 信息项 (column names) granted
    clear_items: tuple[str, ...] = ()  # granted items delivered unmasked (logged on every use)
    purpose: str = ""
    legal_basis: str = ""
    expires_at: str | None = None
    revoked_at: str | None = None
    application_id: str | None = None
    granted_by: str | None = None
    granted_at: str | None = None

    def in_force(self, now: datetime | None = None) -> bool:
        return _in_force(self.expires_at, self.revoked_at, now or datetime.now(UTC))


@dataclass(frozen=True)
class AccessSnapshot:
    tokens: tuple[Token, ...] = ()
    grants: tuple[Grant, ...] = ()
    written_at: str | None = None
    _by_hash: dict = field(default=None, compare=False, repr=False)

    def __post_init__(self):
        object.__setattr__(self, "_by_hash", {t.hash: t for t in self.tokens})

    def token(self, secret: str | None, now: datetime | None = None) -> Token | None:
        """The token in force whose hash matches `secret`, else None."""
        if not secret:
            return None
        found = self._by_hash.get(hash_token(secret))
        return found if found and found.in_force(now) else None

    def grants_for(self, consumer: str, resource: str, now: datetime | None = None) -> list[Grant]:
        """The consumer's grants in force on one resource, newest first."""
        found = [g for g in self.grants if g.consumer == consumer and g.resource == resource and g.in_force(now)]
        return sorted(found, key=lambda g: g.granted_at or "", reverse=True)

    def grant(self, grant_id: str) -> Grant | None:
        return next((g for g in self.grants if g.grant_id == grant_id), None)

    def to_json(self) -> dict:
        return {
            "written_at": self.written_at,
            "tokens": [asdict(t) for t in self.tokens],
            "grants": [{**asdict(g), "items": list(g.items), "clear_items": list(g.clear_items)} for g in self.grants],
        }

    @classmethod
    def from_json(cls, doc: dict) -> AccessSnapshot:
        return cls(
            tokens=tuple(Token(**t) for t in doc.get("tokens", [])),
            grants=tuple(
                Grant(**{**g, "items": tuple(g["items"]), "clear_items": tuple(g.get("clear_items") or ())})
                for g in doc.get("grants", [])
            ),
            written_at=doc.get("written_at"),
        )


def write_snapshot(lake: Lake, snapshot: AccessSnapshot) -> Path:
    """Write the snapshot beside and rename it into place (readers see the old or the new file)."""
    path = access_file(lake)
    path.parent.mkdir(parents=True, exist_ok=True)
    doc = snapshot.to_json()
    doc["written_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    partial = path.with_name(f".{FILE}.{os.getpid()}.partial")
    with open(partial, "w", encoding="utf-8") as f:
        json.dump(doc, f, ensure_ascii=False, indent=1)
        f.flush()
        os.fsync(f.fileno())
    os.chmod(partial, 0o600)
    os.replace(partial, path)
    return path


def read_snapshot(lake: Lake) -> AccessSnapshot:
    """The snapshot in force; an empty one (nobody may read anything) when none was written."""
    path = access_file(lake)
    try:
        return AccessSnapshot.from_json(json.loads(path.read_text(encoding="utf-8")))
    except FileNotFoundError:
        return AccessSnapshot()


class AccessReader:
    """The current snapshot, reloaded when the file's identity changes (checked on each call)."""

    def __init__(self, lake: Lake):
        self._lake = lake
        self._lock = threading.Lock()
        self._stamp: tuple | None = None
        self._snapshot = AccessSnapshot()

    def current(self) -> AccessSnapshot:
        path = access_file(self._lake)
        try:
            st = path.stat()
            stamp = (st.st_ino, st.st_size, st.st_mtime_ns)
        except FileNotFoundError:
            stamp = None
        if stamp != self._stamp:
            with self._lock:
                if stamp != self._stamp:
                    self._snapshot = read_snapshot(self._lake) if stamp else AccessSnapshot()
                    self._stamp = stamp
        return self._snapshot
