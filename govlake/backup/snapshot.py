"""Take a snapshot of the lake into a backup directory (`govlake backup --to DIR`).

The whole walk runs under the lake's writer lock (govlake/lock.py): every warehouse
writer — a dbt build, a quality run, a gate decision, a ticket, a share command, the
curated publication — waits for it, so warehouse.duckdb (and its WAL, if one is there),
analysts.duckdb, sharing/access.json and curated/ are copied as one state between two
writes. Before it, the backup waits for a `govlake run` under way (boundary.py), so a
snapshot is never taken between two steps of a run. Readers are not stopped: the locks are
the writers' only, and a copy only reads.
The warehouse is copied as its file, not through EXPORT DATABASE: the restored file is
byte-identical, so its checksum proves the restore (the README's "Backup and restore"
gives the measurement behind the choice).

Every file is stored by checksum (store.py) and the snapshot's manifest,
DIR/snapshots/<UTC time>.json, lists path → sha256 and size: a second backup of an
unchanged lake writes its manifest and nothing else. Symbolic links and other non-regular
files are recorded as skipped with the reason, never followed.
"""

from __future__ import annotations

import fnmatch
import json
import os
import stat
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import yaml

from govlake.backup import store
from govlake.backup.boundary import between_runs
from govlake.lock import lake_lock
from govlake.settings import Lake

CONFIG = Path(__file__).with_name("backup.yaml")
FORMAT = 1


@dataclass
class Snapshot:
    manifest: Path
    taken_at: datetime
    files: int = 0
    bytes: int = 0
    objects_written: int = 0
    bytes_written: int = 0
    skipped: dict[str, str] = field(default_factory=dict)


def snapshot_name(at: datetime) -> str:
    """Names sort by time: 20261206T104501123456Z.json."""
    return f"{at.astimezone(UTC):%Y%m%dT%H%M%S%fZ}.json"


def take(lake: Lake, backup: Path) -> Snapshot:
    """Snapshot the lake into `backup` (created if missing), under the lake lock."""
    backup = backup.expanduser().resolve()
    if not lake.home.is_dir():
        raise FileNotFoundError(f"no lake at {lake.home}")
    if backup == lake.home or lake.home in backup.parents:
        raise ValueError(f"the backup directory {backup} is inside the lake {lake.home}: it would back itself up")
    config = yaml.safe_load(CONFIG.read_text(encoding="utf-8"))
    exclude = config["exclude"]
    (backup / "snapshots").mkdir(parents=True, exist_ok=True)
    # the backup directory's lock until the manifest names every object this snapshot counted
    # on: a prune cannot delete one in between (store.writing)
    with store.writing(backup):
        with between_runs(lake, wait_seconds=config["open_run_wait_seconds"]), lake_lock(lake):
            taken_at = datetime.now(UTC)
            snap = Snapshot(manifest=backup / "snapshots" / snapshot_name(taken_at), taken_at=taken_at)
            files: dict[str, dict] = {}
            for rel, path in _walk(lake.home, snap.skipped):
                if any(fnmatch.fnmatch(rel, pattern) for pattern in exclude):
                    continue
                sha, written = store.put(backup, path)
                size = path.lstat().st_size
                files[rel] = {"sha256": sha, "size": size}
                snap.files += 1
                snap.bytes += size
                if written is not None:  # an empty file is a new object too, of 0 bytes
                    snap.objects_written += 1
                    snap.bytes_written += written
        _write_manifest(snap, lake, files)
    return snap


def _walk(home: Path, skipped: dict[str, str]):
    """(relative posix path, path) of every regular file under home; never follows a link."""
    for top, dirs, names in os.walk(home, followlinks=False):
        base = Path(top)
        for name in sorted(dirs):
            if (base / name).is_symlink():
                skipped[(base / name).relative_to(home).as_posix()] = "symbolic link to a directory: not followed"
        for name in sorted(names):
            path = base / name
            rel = path.relative_to(home).as_posix()
            mode = path.lstat().st_mode
            if stat.S_ISLNK(mode):
                skipped[rel] = "symbolic link: not followed"
            elif not stat.S_ISREG(mode):
                skipped[rel] = "not a regular file"
            else:
                yield rel, path


def _write_manifest(snap: Snapshot, lake: Lake, files: dict[str, dict]) -> None:
    """Written last, through a rename: a snapshot that is listed is complete."""
    body = {
        "format": FORMAT,
        "taken_at": snap.taken_at.isoformat(),
        "lake": str(lake.home),
        "files": files,
        "skipped": snap.skipped,
    }
    tmp = snap.manifest.with_suffix(".tmp")
    tmp.write_text(json.dumps(body, ensure_ascii=False, indent=1, sort_keys=True), encoding="utf-8")
    os.replace(tmp, snap.manifest)
