"""Rebuild a lake from a backup (`govlake restore --from DIR [--at TIME] --to LAKE_DIR`).

The target must be new or empty: a restore never mixes two states of a lake. Each file
is copied from its object and checked against its sha256 as it is copied; the first
damaged object stops the restore, named. Restored into another directory than the lake's
own, the views that name the lake's files by path are re-pointed (repoint.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from govlake.backup import manifests, store
from govlake.backup.repoint import repoint_views


@dataclass
class Restored:
    manifest: Path
    taken_at: datetime
    files: int
    bytes: int
    repointed: list[str]


def restore(backup: Path, target: Path, at: datetime | None = None) -> Restored:
    backup, target = backup.expanduser().resolve(), target.expanduser().resolve()
    manifest, body = manifests.at_or_before(backup, at)
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise manifests.BackupError(f"{target} is not empty: a lake is restored into a new, empty directory")
    target.mkdir(parents=True, exist_ok=True)
    total = 0
    for rel, entry in sorted(body["files"].items()):
        dest = target / manifests.safe_path(rel)
        dest.parent.mkdir(parents=True, exist_ok=True)
        try:
            store.fetch(backup, entry["sha256"], dest)
        except FileNotFoundError:
            raise manifests.BackupError(
                f"{store.object_path(backup, entry['sha256'])} (for {rel}) is missing from the backup"
            ) from None
        except store.ObjectDamaged as e:
            raise manifests.BackupError(f"{e} (for {rel})") from None
        total += entry["size"]
    repointed = repoint_views(target, body["lake"])
    return Restored(manifest, body["taken_at"], files=len(body["files"]), bytes=total, repointed=repointed)
