"""The directory an export is written to, and writing into it atomically.

The target is the operator's choice; what is refused is a path that is a symlink (the file would
land wherever the link points), an existing file that is no directory, and a place inside the
lake other than <lake>/exports (a file in curated/ would be served as a resource, one in
landing/ ingested). A file is written beside its final name and renamed into place, so a reader of the
directory sees a whole export or none.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path


class TargetRefused(ValueError):
    """The --to path cannot take an export; the message says why."""


EXPORTS = "exports"  # the one folder of the lake an export may go to


def check_target(path: Path, lake_home: Path | None = None) -> Path:
    """`path` made absolute, refused when it or a parent is a symlink, it is not a directory, or it
    lies inside `lake_home` but outside its exports folder. Nothing is created here: a refused
    export writes nothing."""
    path = Path(os.path.abspath(path))
    for p in (path, *path.parents):
        if p.is_symlink():
            raise TargetRefused(f"{path}: {p} 是符号链接 — is a symlink; give the real directory")
    if lake_home is not None:
        for home in {Path(os.path.abspath(lake_home)), Path(os.path.realpath(lake_home))}:
            if path.is_relative_to(home) and not path.is_relative_to(home / EXPORTS):
                raise TargetRefused(
                    f"{path}: 在数据湖内 — inside the lake; export to {home / EXPORTS} or a directory outside it"
                )
    if path.exists() and not path.is_dir():
        raise TargetRefused(f"{path}: 已存在且不是目录 — exists and is not a directory")
    return path


def partial(path: Path) -> Path:
    """Where `path` is written before it is renamed into place (hidden, same directory)."""
    return path.with_name(f".{path.name}.{os.getpid()}.partial")


def publish(tmp: Path, path: Path) -> Path:
    """fsync `tmp` and rename it to `path` (a rename replaces a symlink instead of writing through it)."""
    with tmp.open("rb") as f:
        os.fsync(f.fileno())
    tmp.replace(path)
    return path


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()
