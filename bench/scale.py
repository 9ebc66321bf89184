"""Scale benchmark (issue 18): the whole pipeline at one or more city sizes, stage by stage.

    python bench/scale.py --persons 1000000 --persons 10000000 [--seed 42] [--resume]

For each size: the city is generated (once, stamped: bench/harness.ensure_city), the newest
day of the daily sources is held back (bench/build.py's newest_daily_batches), and then each
stage runs in a process of its own, so that its peak RSS is its own: ingest, full dbt build
(`--full-refresh`, the raw layer's checksums checked first, as `govlake run --full-refresh`),
quality run, gate, publish (curated; published whatever the gate decided, so that the stage is
measured — the pipeline publishes only when the gate passes; the gate's decision is recorded),
steward report, catalog. Then the held-back delivery (--daily one: 市场监管's change records
of that day, the batch bench/build.py measures for issue 4; --daily day: every daily batch
of the day) goes through the same stages, the build incremental (what `govlake run` builds).

Per stage: wall and CPU seconds and peak RSS of the stage's process tree (psutil, every
50 ms), the lake's and the landing's size after it (`du -sb`). GOVLAKE_MEMORY_LIMIT is passed
through to every stage as it is set and recorded. Results are merged into --out (default
bench/results/scale.json) by size after every stage; --resume skips a size's stages already
measured by the same commit under the same memory limit (the lake is kept between runs under
WORK/scale-<persons>-<seed>/). With two sizes or more, each stage's scaling exponent and the
issue's targets (bench/scaling.py) are computed and printed.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import DATA, RESULTS, ROOT, city_dir, du_bytes, ensure_city, git_commit, machine, sampled_run
from scaling import DISK_SAFETY, STAGES, disk_needed, evaluate, exponents, merge_stage, resumable

sys.path.insert(0, str(ROOT))

MEMORY_ENV = "GOVLAKE_MEMORY_LIMIT"  # govlake/duckdb_settings.py: every DuckDB connection's limit
THREADS_ENV = "GOVLAKE_THREADS"
ONE_BATCH_SOURCE = "scjg.enterprise_register"  # bench/build.py's one daily batch
# Bytes per person when no smaller size was measured to extrapolate from: this script's
# validation run at 20,000 persons (2026-12-06), the lake at its largest 94.4 MB (`du -sb`,
# after daily_catalog), the landing 24.6 MB. Small cities carry more fixed overhead per person.
LAKE_BYTES_PER_PERSON = 4_700
LANDING_BYTES_PER_PERSON = 1_230


# --- one stage, in its own process ------------------------------------------------------------


def run_stage(stage: str, lake_home: Path, landing: Path) -> dict:
    """The stage's work through the pipeline's task code; a short JSON-able summary."""
    from collections import Counter

    from conductor import pipeline
    from govlake.pii import mask_record, mask_text
    from govlake.settings import Lake

    lake = Lake(lake_home)
    step = stage.removeprefix("daily_")
    if step == "ingest":
        from ingest import ingest_landing

        results = ingest_landing(landing, lake)
        failed = [r.summary() for r in results if r.status == "failed"]
        written = sum(r.rows_written for r in results if r.status != "unchanged")
        if failed or (results and not written and stage == "ingest"):
            problems = failed or [m for r in results for m in r.messages][:5]
            raise SystemExit(mask_text("ingestion failed: " + "; ".join(problems)))
        return {"batches": dict(Counter(r.status for r in results)), "rows_written": written}
    if step == "build":
        built = pipeline.transform(lake, quiet=True, full_refresh=stage == "build")
        if not built["success"]:
            raise SystemExit(mask_text(f"dbt build failed: {built.get('problems')}"))
        return {"counts": built["counts"], "dbt_seconds": built["seconds"], "plan": built["plan"]["reason"]}
    if step == "quality":
        q = pipeline.quality_run(lake)
        return {k: q[k] for k in ("batches", "rules", "violations", "scores")}
    if step == "gate":
        g = pipeline.quality_gate(lake)
        return mask_record({"passed": g["passed"], "reason": g.get("reason")})
    if step == "publish":
        tables = pipeline.publish_curated(lake)
        return {"tables": len(tables), "rows": sum(t["rows"] for t in tables)}
    if step == "report":
        pipeline.quality_report(lake)
        return {}
    if step == "catalog":
        c = pipeline.catalog_build(lake)
        return {"export_files": len(c["export"]["files"])}
    raise SystemExit(f"unknown stage {stage}")


# --- a size --------------------------------------------------------------------------------------


def prepare_landings(landing: Path, work: Path, daily: str) -> tuple[Path, Path, list[str]]:
    """Two landing zones of the city (bench/build.py's, files hard-linked): without the newest
    day of the daily sources, and with the replayed delivery added."""
    from build import landing_without, newest_daily_batches

    held = newest_daily_batches(landing)
    replayed = [p for p in held if daily == "day" or p.parent.name == ONE_BATCH_SOURCE]
    before = landing_without(landing, held, work / "landing-before")
    after = landing_without(landing, [p for p in held if p not in replayed], work / "landing-daily")
    return before, after, sorted(f"{p.parent.name}/{p.name}" for p in replayed)


def check_disk(persons: int, results: dict, landing: Path, work: Path) -> None:
    """Refuse a run the disk cannot hold: the need extrapolated from the largest smaller size
    measured (scaling.disk_needed), else the per-person sizes above."""
    present = (landing / "_truth" / "bench_generation.json").exists()
    need = disk_needed(persons, results, present)
    if need is None:
        per_person = LAKE_BYTES_PER_PERSON + (0 if present else LANDING_BYTES_PER_PERSON)
        need = int(persons * per_person * DISK_SAFETY)
    work.mkdir(parents=True, exist_ok=True)
    free = shutil.disk_usage(work).free
    if free < need:
        raise SystemExit(
            f"not enough disk for {persons:,} persons: about {need / 1e9:.1f} GB needed under {work}, "
            f"{free / 1e9:.1f} GB free (`df -h {work}`); free space or give --work on a larger disk"
        )


def measure_size(args, persons: int, results: dict, run: dict) -> dict:
    base = args.work or DATA
    landing = city_dir(persons, args.seed) if args.work is None else base / f"city-{persons}-{args.seed}"
    work = base / f"scale-{persons}-{args.seed}"
    lake_home = work / "lake"
    done = resumable(results, persons, run) if args.resume and lake_home.exists() else 0
    if args.resume and not done:
        print(f"{persons:,}: nothing measured by this commit on a lake at {lake_home}; every stage", flush=True)
    if not done:
        if not args.no_disk_check:
            check_disk(persons, results, landing, base)
        if work.exists():
            shutil.rmtree(work)
        results.get("sizes", {}).pop(str(persons), None)  # a fresh run replaces the size's figures
    fresh = not (landing / "_truth" / "bench_generation.json").exists()
    generation = ensure_city(landing, persons, args.seed)
    before, after, replayed = prepare_landings(landing, work, args.daily)
    run = {**run, "daily": args.daily, "replayed": replayed}
    if done:
        print(f"{persons:,}: {', '.join(STAGES[:done])} measured by this commit, skipped (--resume)", flush=True)
    for stage in STAGES[done:]:
        if stage == "generate":
            record = {k: generation[k] for k in ("seconds", "cpu_s", "peak_rss_mb")}
            record.update(reused=not fresh, rows=generation["rows"], files=generation["files"])
        else:
            view = after if stage.startswith("daily_") else before
            cmd = [sys.executable, __file__, "--stage", stage, "--lake", str(lake_home), "--landing", str(view)]
            print(f"{persons:,} {stage} …", flush=True)
            _, stdout, record = sampled_run(cmd, f"{stage} at {persons:,} persons")
            record["result"] = json.loads(stdout.strip().splitlines()[-1])
        record.update(
            lake_bytes=du_bytes(lake_home),
            landing_bytes=du_bytes(landing),
            measured_at=datetime.now(UTC).isoformat(timespec="seconds"),
        )
        merge_stage(results, persons, stage, record, run)
        save(args.out, results)
        print(f"  {record['seconds']} s, CPU {record['cpu_s']} s, peak RSS {record['peak_rss_mb']} MB", flush=True)
    return results


def save(out: Path, results: dict) -> None:
    results["exponents"] = {"seconds": exponents(results), "cpu_s": exponents(results, "cpu_s")}
    results["evaluation"] = evaluate(results)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".tmp")
    tmp.write_text(json.dumps(results, ensure_ascii=False, indent=2), encoding="utf-8")
    tmp.replace(out)


def print_table(results: dict) -> None:
    from rich.console import Console
    from rich.table import Table

    sizes = sorted(results.get("sizes", {}).values(), key=lambda e: e["persons"])
    table = Table(title="scale: wall s / CPU s / peak RSS MB / lake GB after the stage")
    table.add_column("stage")
    for e in sizes:
        table.add_column(f"{e['persons']:,}", justify="right")
    pairs = results.get("exponents", {}).get("seconds", {})
    for pair in pairs:
        table.add_column(f"exponent {pair}", justify="right")
    for stage in STAGES:
        cells = []
        for e in sizes:
            r = e["stages"].get(stage)
            cells.append(
                "—"
                if r is None
                else f"{r['seconds']:.1f} / {r['cpu_s']:.1f} / {r['peak_rss_mb']:,} / {r['lake_bytes'] / 1e9:.2f}"
            )
        cells += [str(p.get(stage, "—")) for p in pairs.values()]
        table.add_row(stage, *cells)
    console = Console()
    console.print(table)
    ev = results.get("evaluation", {})
    for key, s in ev.get("sizes", {}).items():
        console.print(
            f"{int(key):,}: completes {s['completes']}; peak RSS {s['peak_rss_mb']} MB (under 10 GB: "
            f"{s['rss_under_10_gb']}); daily build / full build {s['daily_build_share_of_full_build']} "
            f"(≤ 10 %: {s['daily_within_10_percent']})"
        )
    for pair, p in ev.get("pairs", {}).items():
        console.print(f"{pair}: every exponent ≤ 1.1: {p['exponents_at_most_1_1']} (above: {p['stages_above']})")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--persons", type=int, action="append", help="a city size; repeatable")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--daily", choices=("one", "day"), default="one", help="the held-back delivery replayed")
    ap.add_argument("--out", type=Path, default=RESULTS / "scale.json")
    ap.add_argument("--work", type=Path, help="cities and lakes here instead of bench/data/")
    ap.add_argument("--resume", action="store_true", help="skip stages this commit already measured")
    ap.add_argument("--no-disk-check", action="store_true", help="run even when the disk estimate says no")
    ap.add_argument("--stage", choices=STAGES, help=argparse.SUPPRESS)
    ap.add_argument("--lake", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--landing", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.stage:
        print(json.dumps(run_stage(args.stage, args.lake, args.landing), ensure_ascii=False, default=str))
        return
    if not args.persons:
        ap.error("give --persons at least once")
    results = json.loads(args.out.read_text(encoding="utf-8")) if args.out.exists() else {}
    run = {
        "commit": git_commit(),
        "memory_limit": os.environ.get(MEMORY_ENV),
        "threads": os.environ.get(THREADS_ENV),
        "machine": machine(),
    }
    for persons in sorted(set(args.persons)):
        measure_size(args, persons, results, run)
    save(args.out, results)
    print_table(results)
    print(f"-> {args.out}")


if __name__ == "__main__":
    main()
