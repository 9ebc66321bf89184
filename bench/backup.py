"""The time and size of `govlake backup` on a lake, and the warehouse's two ways of being copied.

    .venv/bin/python bench/backup.py --lake LAKE [--work DIR] [--label NAME] [--keep]

Backs the lake up into WORK/backup (wall and CPU time, files, bytes, objects written), a
second time with nothing new (what it writes), checks the backup (`verify --backup`) and
restores it into WORK/restored; then copies the warehouse both ways a backup could: its file
(what govlake/backup/ does) and DuckDB's `EXPORT DATABASE … (FORMAT parquet)` with the
`IMPORT DATABASE` a restore would need. Writes bench/results/backup.json, then removes WORK
(unless --keep). Only reads the lake, apart from the lake lock's file (govlake/lock.py).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from govlake.backup import restore, take, verify_backup
from govlake.settings import Lake

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import RESULTS, machine


def timed(fn, *args):
    wall, cpu = time.perf_counter(), time.process_time()
    out = fn(*args)
    return out, {"seconds": round(time.perf_counter() - wall, 2), "cpu_s": round(time.process_time() - cpu, 2)}


def du(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) if path.is_dir() else path.stat().st_size


def backup_runs(lake: Lake, work: Path) -> dict:
    backup = work / "backup"
    first, t1 = timed(take, lake, backup)
    second, t2 = timed(take, lake, backup)
    checked, t3 = timed(verify_backup, backup)
    restored, t4 = timed(restore, backup, work / "restored")
    shutil.rmtree(work / "restored")
    return {
        "first": t1
        | {
            "files": first.files,
            "bytes": first.bytes,
            "objects_written": first.objects_written,
            "bytes_written": first.bytes_written,
        },
        "second_unchanged": t2
        | {
            "objects_written": second.objects_written,
            "bytes_written": second.bytes_written,
            "manifest_bytes": second.manifest.stat().st_size,
        },
        "backup_dir_bytes": du(backup),
        "verify_backup": t3 | {"objects": checked.objects, "problems": len(checked.problems)},
        "restore": t4 | {"files": restored.files, "bytes": restored.bytes},
    }


def warehouse_ways(lake: Lake, work: Path) -> dict:
    copy = work / "warehouse-copy.duckdb"
    _, t_copy = timed(shutil.copyfile, lake.warehouse, copy)
    copy.unlink()
    export = work / "export"

    def export_db():
        with duckdb.connect(str(lake.warehouse), read_only=True) as con:
            con.execute(f"EXPORT DATABASE '{export}' (FORMAT parquet)")

    def import_db():
        with duckdb.connect(str(work / "imported.duckdb")) as con:
            con.execute(f"IMPORT DATABASE '{export}'")

    _, t_export = timed(export_db)
    exported = du(export)
    _, t_import = timed(import_db)
    imported = (work / "imported.duckdb").stat().st_size
    shutil.rmtree(export)
    (work / "imported.duckdb").unlink()
    return {
        "file_copy": t_copy | {"bytes": lake.warehouse.stat().st_size},
        "export_parquet": t_export | {"bytes": exported},
        "import_of_export": t_import | {"bytes": imported},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lake", type=Path, required=True)
    parser.add_argument("--work", type=Path, default=Path("/tmp/govlake-backup-bench"))
    parser.add_argument("--label", default=None, help="What lake this is (default: its path).")
    parser.add_argument("--keep", action="store_true", help="Keep WORK (the backup) afterwards.")
    args = parser.parse_args()
    lake = Lake.from_env(args.lake)
    if args.work.exists():
        sys.exit(f"{args.work} exists: give a new --work directory")
    args.work.mkdir(parents=True)
    try:
        started = datetime.now(UTC)
        result = {
            "lake": args.label or str(lake.home),
            "lake_bytes": du(lake.home),
            "started": started.isoformat(timespec="seconds"),
            "load_average_at_start": [round(x, 1) for x in os.getloadavg()],
            "machine": machine(),
            "backup": backup_runs(lake, args.work),
            "warehouse_ways": warehouse_ways(lake, args.work),
        }
    finally:
        if not args.keep:
            shutil.rmtree(args.work, ignore_errors=True)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "backup.json").write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
