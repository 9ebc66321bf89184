"""What the reliability suite does to a lake and how it looks at one afterwards.

`govlake(...)` runs the real CLI in a subprocess (a fault kills that process, not pytest);
`lake_contents(...)` reduces a lake to what must survive any fault — every raw partition's
and every curated table's rows, every quarantined row and rejected file with its reason —
leaving out only what differs between two clean runs by design (when a run happened and
its ids); `damage(...)` lists what a crash may leave behind and a rerun must not.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import duckdb

from tests.conftest import REPO

# Columns that record when or by which attempt something was written, never what:
# two clean runs of the same delivery differ only there.
RUN_COLUMNS = ("_ingested_at", "_staged_at")
# Keys of the quarantine's JSON documents that name the attempt and its time.
RUN_KEYS = ("commit_id", "created_at")
# What an interrupted write leaves: staged or replaced directories of the commit protocol,
# temporary files of the atomic writers, a journal not rolled forward.
DEBRIS_PREFIXES = (".tmp.", ".old.", ".trash.", ".commit.")
DEBRIS_SUFFIXES = (".partial", ".tmp")


@dataclass
class Ran:
    """One finished `govlake` subprocess."""

    args: list[str]
    returncode: int
    stdout: str
    stderr: str

    @property
    def console(self) -> str:
        return self.stdout + self.stderr


def govlake(*args: str, fault: str | None = None, timeout: float = 600, env: dict | None = None) -> Ran:
    """`govlake ARGS` as a user runs it, in its own session (a SIGKILL stays inside it)."""
    environ = {**os.environ, "COLUMNS": "300", "PYTHONPATH": str(REPO), **(env or {})}
    environ.pop("GOVLAKE_FAULT", None)
    if fault:
        environ["GOVLAKE_FAULT"] = fault
    cmd = [sys.executable, "-m", "conductor.cli", *args]
    done = subprocess.run(
        cmd, capture_output=True, text=True, cwd=REPO, env=environ, timeout=timeout, start_new_session=True
    )
    return Ran(list(args), done.returncode, done.stdout, done.stderr)


def run(lake: Path, landing: Path, *extra: str, fault: str | None = None) -> Ran:
    return govlake("run", "--landing", str(landing), "--home", str(lake), *extra, fault=fault)


def copy_lake(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst, symlinks=True)
    return dst


def lake_contents(lake: Path) -> dict:
    """{"raw": …, "quarantine": …, "curated": …} — comparable between two lakes."""
    return {"raw": _raw(lake), "quarantine": _quarantine(lake), "curated": _curated(lake)}


def _table_digest(con, parquet: Path) -> tuple:
    """(rows, one hash sum per column) of a Parquet file, run columns left out."""
    path = str(parquet).replace("'", "''")
    columns = [
        c for (c,) in con.execute(f"select name from parquet_schema('{path}') where num_children is null").fetchall()
    ]
    kept = [c for c in columns if c not in RUN_COLUMNS]
    sums = ", ".join(f'coalesce(sum(hash("{c}")), 0)' for c in kept)
    return tuple(con.execute(f"select count(*), {sums} from read_parquet('{path}')").fetchall()[0])


def _raw(lake: Path) -> dict:
    out = {}
    con = duckdb.connect()
    for part in sorted((lake / "raw").glob("*/batch=*")):
        files = sorted(part.glob("part-*.parquet"))
        out[f"{part.parent.name}/{part.name}"] = [(f.name, _table_digest(con, f)) for f in files]
    return out


def _curated(lake: Path) -> dict:
    con, root = duckdb.connect(), lake / "curated"
    return {str(p.relative_to(root)): _table_digest(con, p) for p in sorted(root.rglob("*.parquet"))}


def _quarantine(lake: Path) -> dict:
    root = lake / "quarantine"
    out = {}
    for p in sorted(root.rglob("*")) if root.is_dir() else []:
        if not p.is_file():
            continue
        data = p.read_bytes()
        if p.suffix == ".json":
            doc = {k: v for k, v in json.loads(data).items() if k not in RUN_KEYS}
            data = json.dumps(doc, sort_keys=True).encode()
        out[str(p.relative_to(root))] = hashlib.sha256(data).hexdigest()
    return out


def damage(lake: Path) -> list[str]:
    """Leftovers of an interrupted write, and raw partitions that are not whole."""
    found = [
        str(p.relative_to(lake))
        for p in lake.rglob("*")
        if p.name.startswith(DEBRIS_PREFIXES) or p.name.endswith(DEBRIS_SUFFIXES)
    ]
    for part in sorted((lake / "raw").glob("*/batch=*")):
        manifest = part / "_manifest.json"
        if not (part / "_SUCCESS").exists() or not manifest.exists():
            found.append(f"{part.relative_to(lake)}: no _SUCCESS or _manifest.json")
            continue
        listed = {f["part"] for f in json.loads(manifest.read_text(encoding="utf-8"))["files"] if f.get("part")}
        present = {p.name for p in part.glob("part-*.parquet")}
        if listed != present:
            found.append(f"{part.relative_to(lake)}: parts {sorted(present)} but the manifest lists {sorted(listed)}")
    return sorted(found)


def one_clear_line(ran: Ran) -> bool:
    """The failure reached the user as text, not as a Python traceback."""
    return "Traceback (most recent call last)" not in ran.console
