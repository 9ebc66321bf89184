"""Reading a backup's snapshot manifests (written by snapshot.py)."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

SHA256 = re.compile(r"[0-9a-f]{64}")


class BackupError(RuntimeError):
    """A backup that cannot be used as asked: missing, unreadable, or no snapshot fits."""


def manifest_files(backup: Path) -> list[Path]:
    """The snapshots' manifests, oldest first (their names sort by time)."""
    if not (backup / "snapshots").is_dir():
        raise BackupError(f"no backup at {backup}: it has no snapshots/ directory")
    return sorted((backup / "snapshots").glob("*.json"))


def load(path: Path) -> dict:
    try:
        body = json.loads(path.read_text(encoding="utf-8"))
        body["taken_at"] = datetime.fromisoformat(body["taken_at"])
        if not isinstance(body["lake"], str):
            raise ValueError("no lake path")
        for rel, entry in body["files"].items():
            safe_path(rel)
            # the sha names a file under objects/: only a sha256 may, never a path
            if not SHA256.fullmatch(entry["sha256"]) or not isinstance(entry["size"], int):
                raise ValueError(f"{rel}: no sha256 and size")
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise BackupError(f"{path}: unreadable snapshot manifest ({e})") from None
    return body


def safe_path(rel: str) -> PurePosixPath:
    """A manifest's path as a relative path that stays inside the lake it is restored to."""
    p = PurePosixPath(rel)
    if not rel or p.is_absolute() or ".." in p.parts or "\\" in rel:
        raise ValueError(f"path {rel!r} would leave the lake")
    return p


def as_utc(at: datetime) -> datetime:
    """A time without an offset is UTC, as snapshot names and manifests are."""
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at


def at_or_before(backup: Path, at: datetime | None) -> tuple[Path, dict]:
    """The newest snapshot taken at or before `at` (the newest of all without it)."""
    chosen = None
    for path in manifest_files(backup):
        body = load(path)
        if at is None or body["taken_at"] <= as_utc(at):
            chosen = (path, body)
    if chosen is None:
        when = f" at or before {as_utc(at).isoformat()}" if at else ""
        raise BackupError(f"no snapshot in {backup}{when}")
    return chosen
