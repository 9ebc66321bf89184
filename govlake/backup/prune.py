"""Keep a backup directory to its newest snapshots (`govlake backup --keep N`).

Objects are shared between snapshots, so deleting a snapshot means deleting its manifest and
then only the objects no kept manifest names. Every kept manifest is read before anything is
deleted (one that cannot be read stops the prune: its objects would look unused); manifests go
before objects, so a prune cut short leaves unused objects (removed by the next one), never a
manifest naming a missing object. It holds the backup directory alone (store.writing): a
snapshot being taken into it finishes first.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from govlake.backup import manifests, store


@dataclass
class Pruned:
    kept: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    objects_removed: int = 0
    bytes_freed: int = 0


def prune(backup: Path, keep: int) -> Pruned:
    """Delete all but the newest `keep` snapshots of `backup`, and the objects only they used."""
    if keep < 1:
        raise ValueError(f"keep {keep}: at least the newest snapshot must be kept")
    backup = backup.expanduser().resolve()
    result = Pruned()
    with store.writing(backup, exclusive=True):
        snapshots = manifests.manifest_files(backup)
        old, kept = snapshots[:-keep], snapshots[-keep:]
        used = {entry["sha256"] for path in kept for entry in manifests.load(path)["files"].values()}
        for path in old:
            path.unlink()
            result.removed.append(path.name)
        result.kept = [p.name for p in kept]
        objects = backup / "objects"
        # a crashed snapshot's half-copied temporary files: no snapshot is running now
        for leftover in [*objects.glob(".tmp-*"), *(o for o in objects.glob("??/*") if o.name not in used)]:
            result.bytes_freed += leftover.stat().st_size
            leftover.unlink()
            result.objects_removed += 1
    return result
