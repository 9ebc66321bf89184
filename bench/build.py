"""dbt build benchmark on the 1,000,000-person synthetic city (issue 4).

    python bench/build.py [--persons 1000000] [--seed 42] [--repeat 2]

On the city of bench/ingest.py (generated under bench/data/ if missing):
  1. every batch except the newest day of the daily sources is ingested (untimed);
  2. full build: `dbt build --full-refresh` of the whole project (staging, base
     libraries, conflicts, themes, profiles) - timed;
  3. one daily batch: 市场监管's change records of the held-back day are ingested
     (untimed) and the pipeline's build is timed: the models downstream of the sources
     with new raw data (transform.build_plan), all incremental. For comparison, a
     `dbt build` of every model (each still incremental) is timed on the same batch;
  4. the whole day: the rest of the held-back day (the 公安 full snapshot of ~1M rows,
     births, deaths, 双公示, licences) is ingested (untimed) and the pipeline's build is timed
     from the warehouse as it was after step 2, so it stages all of the day's batches.
  Steps 3 and 4 repeat from copies of that warehouse (--repeat times; best wall time kept).
Each build runs in its own process; peak RSS and CPU are of that process tree.
Per-model times come from dbt's run_results.json. Results: bench/results/build.json.
Target: the incremental run of one daily batch under 10% of the full build time; the
whole day (which carries a full snapshot of the population register) is reported beside it.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import RESULTS, ROOT, TreeSampler, city_and_fresh_work, fastest, machine

sys.path.insert(0, str(ROOT))


# the daily increment measured alone: change records of registered enterprises
ONE_BATCH_SOURCE = "scjg.enterprise_register"


def newest_daily_batches(landing: Path) -> list[Path]:
    """The batch directories of the newest delivery day of the daily sources."""
    from govlake.registry import load_registry
    from ingest import find_complete_batches

    reg = load_registry()
    daily = {sid: find_complete_batches(landing, s) for sid, s in reg.sources.items() if s.delivery.cadence == "daily"}
    newest = max(d.name for batches in daily.values() for d in batches)
    return [d for batches in daily.values() for d in batches if d.name == newest]


def landing_without(landing: Path, held: list[Path], into: Path) -> Path:
    """A copy of the landing zone without the held-back batches, its files hard-linked
    (ingestion refuses a symlinked batch directory: nothing outside the lake is read)."""
    if into.exists():
        shutil.rmtree(into)
    skip = {p.resolve() for p in held}
    for batch in sorted(landing.glob("*.*/*")):
        if batch.is_dir() and batch.resolve() not in skip:
            shutil.copytree(batch, into / batch.parent.name / batch.name, copy_function=link_or_copy)
    return into


def link_or_copy(src: str, dst: str) -> None:
    try:
        os.link(src, dst)
    except OSError:  # another file system
        shutil.copy2(src, dst)


def ingest(landing: Path, lake_home: Path) -> dict:
    from govlake.settings import Lake
    from ingest import ingest_landing

    t = time.perf_counter()
    results = ingest_landing(landing, Lake(lake_home))
    failed = [r.summary() for r in results if r.status == "failed"]
    if failed:
        raise SystemExit("ingestion failed: " + "; ".join(failed))
    return {
        "seconds": round(time.perf_counter() - t, 1),
        "batches": len(results),
        "rows_written": sum(r.rows_written for r in results if r.status != "unchanged"),
    }


BUILDS = {"full-refresh": {"full_refresh": True}, "pipeline": {}, "every-model": {"every_model": True}}


def timed_build(lake_home: Path, kind: str) -> dict:
    """One build (BUILDS) in a fresh process, with the process tree sampled."""
    sampler = TreeSampler()
    t = sampler.start_clock()
    out = subprocess.run(
        [sys.executable, __file__, "--one-build", str(lake_home), "--kind", kind], capture_output=True, text=True
    )
    secs = time.perf_counter() - t
    sampler.stop()
    if out.returncode:
        raise SystemExit(f"dbt build failed:\n{out.stdout[-3000:]}\n{out.stderr[-3000:]}")
    inner = json.loads(out.stdout.strip().splitlines()[-1])
    return {
        "kind": kind,
        "seconds": round(secs, 2),
        "dbt_seconds": inner["seconds"],
        "cpu_s": round(sampler.cpu(), 1),
        "peak_rss_mb": round(sampler.peak_rss / 2**20),
        "counts": inner["counts"],
        "plan": inner["plan"],
        "slowest_models": slowest_nodes(lake_home),
    }


def slowest_nodes(lake_home: Path, n: int = 12) -> list[dict]:
    run_results = json.loads((lake_home / "dbt" / "run_results.json").read_text())
    nodes = [
        {"node": r["unique_id"].split(".", 2)[-1], "seconds": round(r["execution_time"], 2)}
        for r in run_results["results"]
    ]
    return sorted(nodes, key=lambda x: -x["seconds"])[:n]


def repeat_builds(lake_home: Path, snapshot: Path, repeat: int, what: str, kind: str = "pipeline") -> list[dict]:
    """`repeat` incremental builds, each from the warehouse the full build left."""
    runs = []
    for i in range(repeat):
        shutil.copy2(snapshot, lake_home / "warehouse.duckdb")
        os.sync()  # the 1 GB copy's write-back would otherwise land inside the timed build
        print(f"incremental build ({what}, {kind}) {i + 1}/{repeat} …", flush=True)
        runs.append(timed_build(lake_home, kind))
        print(f"  {runs[-1]['seconds']} s, peak RSS {runs[-1]['peak_rss_mb']} MB", flush=True)
    return runs


def one_build(lake_home: Path, kind: str) -> None:
    from govlake.settings import Lake
    from transform.build_plan import build

    result = build(Lake(lake_home), quiet=True, **BUILDS[kind])
    if not result["success"]:
        print(json.dumps(result, ensure_ascii=False, default=str)[-4000:], file=sys.stderr)
        raise SystemExit(1)
    print(
        json.dumps(
            {"seconds": result["seconds"], "counts": result["counts"], "plan": result["plan"]}, ensure_ascii=False
        )
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--persons", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--repeat", type=int, default=2, help="incremental runs (from the same starting warehouse)")
    ap.add_argument("--out", type=Path, default=RESULTS / "build.json")
    ap.add_argument("--one-build", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--kind", choices=sorted(BUILDS), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one_build:
        one_build(args.one_build, args.kind)
        return

    landing, generation, work = city_and_fresh_work("build", args.persons, args.seed)
    lake_home = work / "lake"
    held = newest_daily_batches(landing)
    print(f"holding back {len(held)} batches of {held[0].name}: {', '.join(sorted(p.parent.name for p in held))}")

    print("ingesting everything before it …", flush=True)
    before = ingest(landing_without(landing, held, work / "landing-before"), lake_home)
    print(f"  {before}\nfull build (dbt build --full-refresh) …", flush=True)
    full = timed_build(lake_home, "full-refresh")
    print(f"  {full['seconds']} s, peak RSS {full['peak_rss_mb']} MB", flush=True)
    snapshot = work / "warehouse-after-full.duckdb"
    shutil.copy2(lake_home / "warehouse.duckdb", snapshot)
    shutil.copytree(lake_home / "dbt", work / "dbt-after-full")

    one_batch = [p for p in held if p.parent.name == ONE_BATCH_SOURCE]
    print(f"ingesting one daily batch ({ONE_BATCH_SOURCE} {held[0].name}) …", flush=True)
    batch_ingest = ingest(
        landing_without(landing, [p for p in held if p not in one_batch], work / "landing-one-batch"), lake_home
    )
    single = repeat_builds(lake_home, snapshot, args.repeat, "one daily batch")
    single_every_model = repeat_builds(lake_home, snapshot, args.repeat, "one daily batch", "every-model")
    print("ingesting the rest of the day …", flush=True)
    new_day = ingest(landing, lake_home)
    incremental = repeat_builds(lake_home, snapshot, args.repeat, "the whole day")
    best = fastest(incremental)
    best_single = fastest(single)
    ratio = round(best["seconds"] / full["seconds"], 3)
    ratio_single = round(best_single["seconds"] / full["seconds"], 3)
    best_every_model = fastest(single_every_model)
    result = {
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "city": {"persons": args.persons, "seed": args.seed, "landing": str(landing), "generation": generation},
        "one_daily_batch": {
            "batch": held[0].name,
            "source": ONE_BATCH_SOURCE,
            "ingest": batch_ingest,
            "runs": single,
            "best": best_single,
            "ratio_to_full": ratio_single,
            "every_model": {
                "runs": single_every_model,
                "best": best_every_model,
                "ratio_to_full": round(best_every_model["seconds"] / full["seconds"], 3),
            },
        },
        "new_day": {"batch": held[0].name, "sources": sorted(p.parent.name for p in held), "ingest": new_day},
        "ingest_before": before,
        "method": "each build in a fresh process (python + dbt start-up included) through transform.build_plan.build, "
        "the pipeline's build; RSS and CPU of the process tree; incremental runs restart from a copy of "
        "the warehouse after the full build (its build ledger included)",
        "full": full,
        "incremental_runs": incremental,
        "incremental_best": best,
        "ratio_incremental_to_full": ratio,
        "targets": {
            "one_daily_batch_under_10_percent_of_full": ratio_single < 0.10,
            "whole_day_under_10_percent_of_full": ratio < 0.10,
        },
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8")
    print(
        f"full {full['seconds']} s; one daily batch {best_single['seconds']} s (ratio {ratio_single}; every model "
        f"{best_every_model['seconds']} s); "
        f"whole day {best['seconds']} s (ratio {ratio}) -> {args.out}"
    )


if __name__ == "__main__":
    main()
