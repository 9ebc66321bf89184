"""Publishing a batch: staged directories swapped into place, crash-safe.

A batch is written into hidden staging directories next to its partitions
(`.tmp.<date>.<commit id>` — no `batch=` in the name, so neither readers globbing
`raw/<src>/batch=*/*.parquet` nor hive-partition discovery ever see it). When
the content is complete and verified, `Commit.apply` swaps each staged directory
into place:

* nothing there yet: a plain rename (atomic);
* a partition to replace: on Linux one renameat2(RENAME_EXCHANGE) swaps the two
  directories atomically — a reader sees the old partition or the new one,
  never neither, never a mix. Elsewhere (or if the filesystem refuses) two
  renames, old -> .old.*, staged -> final, with a window of microseconds in
  which the partition is absent (still never half a batch).

A journal (`raw/<src>/.commit.<date>.json`, fsynced) is written before the first
swap and marked "committed" after the last. The raw partition is swapped last:
that swap is the commit point. `recover_partition` runs before any work on a
batch: a journal whose last swap happened (or marked committed) is rolled
forward (old versions deleted); an earlier crash is rolled back, each step undone
by looking at which directory holds the new commit id; stray staging directories
are removed. So a crash at any point leaves the old state, or — once the raw
partition has been swapped — the complete new one; readers never see a mix.
"""

from __future__ import annotations

import ctypes
import errno
import fcntl
import os
import shutil
import sys
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from govlake.faults import fault_point
from govlake.settings import Lake
from ingest.manifest import MANIFEST, read_json_file
from ingest.quarantine import SUMMARY, write_json_atomic

USE_EXCHANGE = True  # tests turn this off to exercise the two-rename fallback
_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


def new_commit_id() -> str:
    return uuid.uuid4().hex[:16]


def staging_dir(final: Path, commit_id: str) -> Path:
    return final.parent / f".tmp.{final.name.removeprefix('batch=')}.{commit_id}"


def _old_dir(final: Path, commit_id: str) -> Path:
    return final.parent / f".old.{final.name.removeprefix('batch=')}.{commit_id}"


def _trash_dir(final: Path, commit_id: str) -> Path:
    return final.parent / f".trash.{final.name.removeprefix('batch=')}.{commit_id}"


def journal_path(lake: Lake, source_id: str, batch: str) -> Path:
    return lake.raw / source_id / f".commit.{batch}.json"


def commit_id_of(directory: Path) -> str | None:
    """The commit id a published (or staged) directory carries, if any."""
    for name in (MANIFEST, SUMMARY):
        doc = read_json_file(directory / name)
        if doc and doc.get("commit_id"):
            return doc["commit_id"]
    return None


def fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def remove_tree(path: Path) -> None:
    if path.exists() or path.is_symlink():
        shutil.rmtree(path, ignore_errors=False)


_renameat2 = None
if sys.platform.startswith("linux"):
    try:
        _renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
        _renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
        _renameat2.restype = ctypes.c_int
    except (AttributeError, OSError):  # glibc < 2.28
        _renameat2 = None


def exchange(a: Path, b: Path) -> bool:
    """Atomically swap two directories; False if this platform/filesystem cannot."""
    if not USE_EXCHANGE or _renameat2 is None:
        return False
    if _renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP, errno.ENOTSUP):
        return False
    raise OSError(err, f"renameat2(RENAME_EXCHANGE) {a} <-> {b}: {os.strerror(err)}")


@dataclass
class Step:
    final: Path
    staged: Path | None  # None: the final directory is to be removed

    def to_json(self, commit_id: str) -> dict:
        return {
            "final": str(self.final),
            "staged": str(self.staged) if self.staged else None,
            "old": str(_old_dir(self.final, commit_id)),
        }


def _after_step(index: int, step: Step) -> None:
    """Test hook: raise here to simulate a crash between two swaps."""


class Commit:
    def __init__(self, lake: Lake, source_id: str, batch: str, commit_id: str):
        self.lake, self.source_id, self.batch, self.commit_id = lake, source_id, batch, commit_id
        self.journal = journal_path(lake, source_id, batch)

    def apply(self, steps: list[Step]) -> None:
        self.journal.parent.mkdir(parents=True, exist_ok=True)
        doc = {
            "commit_id": self.commit_id,
            "source": self.source_id,
            "batch": self.batch,
            "state": "swapping",
            "steps": [s.to_json(self.commit_id) for s in steps],
        }
        write_json_atomic(self.journal, doc)
        fsync_dir(self.journal.parent)
        fault_point("ingest.commit.before_swaps")
        for i, step in enumerate(steps):
            self._swap(step)
            fsync_dir(step.final.parent)
            _after_step(i, step)
            if i < len(steps) - 1:
                fault_point("ingest.commit.between_swaps")  # quarantine swapped, raw not yet
        fault_point("ingest.commit.after_swaps")
        doc["state"] = "committed"
        write_json_atomic(self.journal, doc)
        _roll_forward(doc)
        # Not fsynced: a committed journal that reappears after a power cut is
        # simply rolled forward again.
        self.journal.unlink(missing_ok=True)

    def _swap(self, step: Step) -> None:
        old = _old_dir(step.final, self.commit_id)
        if step.staged is None:
            if step.final.exists():
                os.rename(step.final, old)
        elif step.final.exists():
            if exchange(step.staged, step.final):
                os.rename(step.staged, old)  # the staged path now holds the old version
            else:
                os.rename(step.final, old)
                os.rename(step.staged, step.final)
        else:
            step.final.parent.mkdir(parents=True, exist_ok=True)
            os.rename(step.staged, step.final)


def _roll_forward(doc: dict) -> None:
    """A committed journal: only the old versions (and empty staging names) remain to delete."""
    for s in doc["steps"]:
        remove_tree(Path(s["old"]))
        if s["staged"]:
            remove_tree(Path(s["staged"]))


def _last_step_done(doc: dict) -> bool:
    """The last swap (the raw partition, the visible commit) happened: keep the new state.

    Rolling back then would show readers the new partition and then the old one again.
    """
    last = doc["steps"][-1] if doc.get("steps") else None
    if last is None:
        return False
    final = Path(last["final"])
    if last["staged"] is None:
        return not final.exists() and Path(last["old"]).exists()
    return final.exists() and commit_id_of(final) == doc["commit_id"]


def _undo(step: dict, commit_id: str) -> None:
    final, old = Path(step["final"]), Path(step["old"])
    staged = Path(step["staged"]) if step["staged"] else None
    if staged is None:  # a removal
        if not final.exists() and old.exists():
            os.rename(old, final)
        return
    if final.exists() and commit_id_of(final) == commit_id:
        # The swap happened: move the new version out, the old one (if any) back.
        trash = _trash_dir(final, commit_id)
        os.rename(final, trash)
        previous = old if old.exists() else (staged if staged.exists() and commit_id_of(staged) != commit_id else None)
        if previous is not None:
            os.rename(previous, final)
        remove_tree(trash)
    elif not final.exists() and old.exists():
        os.rename(old, final)  # the fallback crashed between its two renames
    remove_tree(staged)
    remove_tree(old)
    fsync_dir(final.parent)


def recover_partition(lake: Lake, source_id: str, batch: str) -> list[str]:
    """Finish or undo an interrupted commit of one batch; remove stray staging dirs.

    Call with the batch lock held. Returns what was done, for the log.
    """
    done = []
    jpath = journal_path(lake, source_id, batch)
    doc = read_json_file(jpath) if jpath.exists() else None
    if jpath.exists() and doc is None:
        done.append(f"unreadable commit journal {jpath.name} removed (written before any swap)")
        jpath.unlink()
    if doc is not None:
        if doc.get("state") == "committed" or _last_step_done(doc):
            _roll_forward(doc)
            done.append(f"completed interrupted commit {doc['commit_id']} (old versions removed)")
        else:
            for s in reversed(doc["steps"]):
                _undo(s, doc["commit_id"])
            done.append(f"rolled back interrupted commit {doc['commit_id']}: previous state restored")
        jpath.unlink(missing_ok=True)
        fsync_dir(jpath.parent)
    for parent in (lake.raw / source_id, lake.quarantine / source_id):
        if not parent.is_dir():
            continue
        for prefix in (".tmp.", ".old.", ".trash."):
            for d in parent.glob(f"{prefix}{batch}.*"):
                if d.is_dir():
                    remove_tree(d)
                    done.append(f"removed stray {d.name} in {parent}")
    return done


@contextmanager
def batch_lock(lake: Lake, source_id: str, batch: str):
    """One ingestion of a given batch at a time (Airflow retries, a CLI run alongside)."""
    path = lake.raw / source_id / f".lock.{batch}"
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+") as fh:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


def recover(lake: Lake) -> list[str]:
    """Recover every interrupted commit in the lake (e.g. at scheduler start)."""
    done = []
    if not lake.raw.is_dir():
        return done
    for src_dir in sorted(p for p in lake.raw.iterdir() if p.is_dir()):
        batches = {j.name[len(".commit.") : -len(".json")] for j in src_dir.glob(".commit.*.json")}
        for parent in (src_dir, lake.quarantine / src_dir.name):
            if parent.is_dir():
                for d in parent.iterdir():
                    for prefix in (".tmp.", ".old.", ".trash."):
                        if d.name.startswith(prefix):
                            batches.add(d.name[len(prefix) : len(prefix) + 10])
        for batch in sorted(batches):
            with batch_lock(lake, src_dir.name, batch):
                done += [f"{src_dir.name} {batch}: {m}" for m in recover_partition(lake, src_dir.name, batch)]
    return done
