"""The full dbt build under GOVLAKE_MEMORY_LIMIT (issue 18, bounded memory).

    python bench/memory.py [--persons 200000] [--seed 42] [--limits default,1GB]

On the synthetic city of bench/ (generated under bench/data/ if missing), ingested once
(untimed): for each limit, a copy of the ingested lake is built with `dbt build --full-refresh`
(transform.build_plan, as bench/build.py's full build) in its own process under
`/usr/bin/time -v`, which gives its wall time, CPU and peak RSS ("Maximum resident set
size"). "default" leaves GOVLAKE_MEMORY_LIMIT unset (50% of memory). Every build's base and
theme models are compared by row count and an order-independent checksum (a sum of row
hashes, _staged_at left out) with the first's. Results: bench/results/memory-<persons>.json.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import RESULTS, ROOT, city_and_fresh_work, machine

sys.path.insert(0, str(ROOT))

RUN_AUDIT_COLUMNS = frozenset({"_staged_at"})  # the start of the run: differs between builds


def checksums(warehouse: Path) -> dict[str, list[int]]:
    """Rows and a sum of row hashes of every base and theme model."""
    import duckdb

    from transform.engine_checksums import library_checksums

    with duckdb.connect(str(warehouse), read_only=True) as con:
        sums = library_checksums(con, skip=RUN_AUDIT_COLUMNS)
    return {relation: [c.rows, c.checksum] for relation, c in sums.items()}


def timed_build(lake_home: Path, limit: str) -> dict:
    env = dict(os.environ)
    env.pop("GOVLAKE_MEMORY_LIMIT", None)
    if limit != "default":
        env["GOVLAKE_MEMORY_LIMIT"] = limit
    out = subprocess.run(
        ["/usr/bin/time", "-v", sys.executable, __file__, "--one-build", str(lake_home)],
        capture_output=True,
        text=True,
        env=env,
    )
    if out.returncode:
        raise SystemExit(f"build under {limit} failed:\n{out.stdout[-3000:]}\n{out.stderr[-3000:]}")

    def field(name: str) -> str:
        return re.search(rf"^\s*{re.escape(name)}: (.+)$", out.stderr, re.MULTILINE).group(1)

    wall = [float(x) for x in field("Elapsed (wall clock) time (h:mm:ss or m:ss)").split(":")]
    inner = json.loads(out.stdout.strip().splitlines()[-1])
    return {
        "limit": limit,
        "seconds": round(sum(x * 60**i for i, x in enumerate(reversed(wall))), 2),
        "cpu_s": round(float(field("User time (seconds)")) + float(field("System time (seconds)")), 1),
        "peak_rss_mb": round(int(field("Maximum resident set size (kbytes)")) / 1024),
        "dbt_seconds": inner["seconds"],
        "counts": inner["counts"],
        "govlake_memory_limit": inner["memory_limit"],
    }


def one_build(lake_home: Path) -> None:
    from govlake import duckdb_settings
    from govlake.settings import Lake
    from transform.build_plan import build

    result = build(Lake(lake_home), quiet=True, full_refresh=True)
    if not result["success"]:
        print(json.dumps(result, ensure_ascii=False, default=str)[-4000:], file=sys.stderr)
        raise SystemExit(1)
    limit = duckdb_settings.memory_limit()
    print(json.dumps({"seconds": result["seconds"], "counts": result["counts"], "memory_limit": limit}))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--persons", type=int, default=200_000)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--limits", default="default,1GB", help="comma-separated: default, or GOVLAKE_MEMORY_LIMIT values")
    ap.add_argument("--out", type=Path, help="default: bench/results/memory-<persons>.json")
    ap.add_argument("--one-build", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one_build:
        one_build(args.one_build)
        return

    from govlake.settings import Lake
    from ingest import ingest_landing

    landing, generation, work = city_and_fresh_work("memory", args.persons, args.seed)
    print("ingesting …", flush=True)
    ingested = work / "ingested"
    failed = [r.summary() for r in ingest_landing(landing, Lake(ingested)) if r.status == "failed"]
    if failed:
        raise SystemExit("ingestion failed: " + "; ".join(failed))
    runs, first = [], None
    for limit in args.limits.split(","):
        lake_home = work / f"lake-{limit}"
        shutil.copytree(ingested, lake_home, symlinks=True)  # one ingestion: its times are in the data
        print(f"full build under GOVLAKE_MEMORY_LIMIT={limit} …", flush=True)
        run = timed_build(lake_home, limit)
        sums = checksums(lake_home / "warehouse.duckdb")
        first = first or sums
        run["models"] = len(sums)
        run["same_rows_and_checksums_as_first"] = sums == first
        runs.append(run)
        print(f"  {run}", flush=True)
        shutil.rmtree(lake_home)
    result = {
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "city": {"persons": args.persons, "seed": args.seed, "generation": generation},
        "method": "dbt build --full-refresh of a copy of one ingested lake per limit, each in its own process "
        "under /usr/bin/time -v (peak RSS: its 'Maximum resident set size')",
        "runs": runs,
    }
    out = args.out or RESULTS / f"memory-{args.persons}.json"
    out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
