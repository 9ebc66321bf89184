"""The backup's object store: every file kept once, named by its sha256.

DIR/objects/<sha[:2]>/<sha> is written through a temporary file and a rename, so a
crashed backup leaves whole objects or none; an object, once there, is never written again
(that is what makes a second backup of an unchanged lake copy nothing)."""

from __future__ import annotations

import fcntl
import hashlib
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

CHUNK = 1 << 20


class ObjectDamaged(RuntimeError):
    """An object's content no longer hashes to its name (or a file changed while being copied)."""


@contextmanager
def writing(backup: Path, *, exclusive: bool = False) -> Iterator[None]:
    """The backup directory's lock: snapshots share it (each may find an object already there
    and count on it staying); pruning, which deletes objects, takes it alone."""
    backup.mkdir(parents=True, exist_ok=True)
    with (backup / ".lock").open("a+") as f:
        fcntl.flock(f, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def object_path(backup: Path, sha: str) -> Path:
    return backup / "objects" / sha[:2] / sha


def open_no_follow(path: Path):
    """Open a lake file for reading, refusing a symlink put in place after the walk saw a file."""
    return os.fdopen(os.open(path, os.O_RDONLY | os.O_NOFOLLOW), "rb")


def sha256_of(path: Path, *, no_follow: bool = True) -> str:
    digest = hashlib.sha256()
    with open_no_follow(path) if no_follow else path.open("rb") as f:
        while chunk := f.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def copy_hashed(source, dest: Path) -> str:
    """Copy an open binary stream to dest (created), returning the sha256 of what was written."""
    digest = hashlib.sha256()
    with dest.open("xb") as out:
        while chunk := source.read(CHUNK):
            digest.update(chunk)
            out.write(chunk)
    return digest.hexdigest()


def put(backup: Path, path: Path) -> tuple[str, int | None]:
    """Keep a lake file in the store: (sha256, bytes written) — None when already kept.

    The file is hashed first and copied only when its object is missing; the copy is hashed
    again and stored under what was actually copied."""
    sha = sha256_of(path)
    if object_path(backup, sha).is_file():
        return sha, None
    tmp = backup / "objects" / f".tmp-{uuid.uuid4().hex}"
    tmp.parent.mkdir(parents=True, exist_ok=True)
    try:
        with open_no_follow(path) as f:
            copied = copy_hashed(f, tmp)
        size = tmp.stat().st_size
        final = object_path(backup, copied)
        final.parent.mkdir(parents=True, exist_ok=True)
        tmp.chmod(0o444)  # an object is never rewritten; read-only says so
        os.replace(tmp, final)
    finally:
        tmp.unlink(missing_ok=True)
    return copied, size


def fetch(backup: Path, sha: str, dest: Path) -> None:
    """Copy an object to dest, checking as it is copied that it still hashes to its name."""
    with object_path(backup, sha).open("rb") as f:
        got = copy_hashed(f, dest)
    if got != sha:
        raise ObjectDamaged(f"{object_path(backup, sha)}: its content hashes to {got}, not to its name")
