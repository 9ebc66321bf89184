"""Check a backup against its manifests (`govlake verify --backup DIR`).

Every object any snapshot lists must be present and hash to its name; each object is
read once however many snapshots share it."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from govlake.backup import manifests, store


@dataclass
class Verified:
    snapshots: int = 0
    objects: int = 0
    problems: list[str] = field(default_factory=list)


def verify_backup(backup: Path) -> Verified:
    backup = backup.expanduser().resolve()
    result = Verified()
    wanted: dict[str, list[str]] = {}  # sha → "<snapshot>: <path>" that need it
    for path in manifests.manifest_files(backup):
        try:
            body = manifests.load(path)
        except manifests.BackupError as e:
            result.problems.append(str(e))
            continue
        result.snapshots += 1
        for rel, entry in body["files"].items():
            wanted.setdefault(entry["sha256"], []).append(f"{path.name}: {rel}")
    for sha, users in sorted(wanted.items()):
        result.objects += 1
        obj = store.object_path(backup, sha)
        used = f"(holds {users[0]}" + (f" and {len(users) - 1} more)" if len(users) > 1 else ")")
        if not obj.is_file():
            result.problems.append(f"{obj}: missing {used}")
        elif (got := store.sha256_of(obj, no_follow=False)) != sha:
            result.problems.append(f"{obj}: damaged, its content hashes to {got} {used}")
    return result
