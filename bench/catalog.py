"""Catalog benchmark on the 1,000,000-person synthetic city (issue 14).

    python bench/catalog.py [--persons 1000000] [--seed 42] [--repeat 3] [--reuse]

On the warehouse bench/build.py leaves (bench/data/build-<persons>-<seed>/lake), copied once into
bench/data/catalog-<persons>-<seed>/ and made what the catalog meets after a day's pipeline
(untimed): a quality run with its scores and gate, and the curated Parquet published. Then, each
in a fresh process, round-robin --repeat times, each govlake run starting from the same copy of
the warehouse:

  govlake  catalog.publish.publish_catalog(lake): everything `govlake catalog build` and the
           catalog DAG do (the directory and its versions, the warehouse's comments, the
           analysts' database, and whatever else publish_catalog writes: exports, site).
  floor    reading the same metadata alone: the dbt manifest parsed, one query over
           duckdb_tables() and duckdb_columns(), the quality scores read.

Wall time is the subprocess's, from start to exit (Python start-up and imports included); CPU and
peak RSS of the process tree (harness.TreeSampler). Results: bench/results/catalog.json.
Targets: govlake within 3x of the floor and under 10 s. The site's search time per query, measured
in the browser by tests/integration/test_catalog_site_browser.py, is copied in from
bench/results/catalog_site_search.json (the test's latest run) as "site_search".
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import DATA, RESULTS, ROOT, bench_lake, child, fastest, machine, ratios_to, timed_child

sys.path.insert(0, str(ROOT))

CONTENDERS = ("govlake", "floor")
TARGET_RATIO, TARGET_SECONDS = 3.0, 10.0


def prepare(persons: int, seed: int, work: Path, source: Path | None) -> dict:
    source = source or DATA / f"build-{persons}-{seed}" / "lake"
    if not (source / "warehouse.duckdb").exists():
        raise SystemExit(f"no built lake at {source}: run bench/build.py --persons {persons} --seed {seed} first")
    lake = work / "lake"
    bench_lake(source, lake)
    (lake / "dbt").mkdir()
    for name in ("manifest.json", "run_results.json"):
        if (source / "dbt" / name).exists():  # else the preparation parses the project (dbt parse)
            shutil.copy2(source / "dbt" / name, lake / "dbt" / name)
    print("quality run, scores, gate and curated publication (untimed) …", flush=True)
    info = {"from": str(source), **_child(["--prepare", str(lake)])}
    shutil.copy2(lake / "warehouse.duckdb", work / "warehouse-start.duckdb")
    return info


def _child(args: list[str]) -> dict:
    return child(__file__, args)


def prepare_in_child(home: Path) -> dict:
    from govlake.settings import Lake
    from quality.gate import run_gate
    from quality.runner import run_quality
    from quality.scores import record_scores
    from transform.curated import publish_curated

    lake = Lake(home)
    t = time.perf_counter()
    if not (lake.dbt / "manifest.json").exists():  # a lake built before manifests were kept
        from transform.dbt_runner import run_dbt

        parsed = run_dbt(lake, "parse", quiet=True)
        if not parsed.success or not (lake.dbt / "manifest.json").exists():
            raise SystemExit(f"dbt parse made no manifest: {parsed.error}")
    summary = run_quality(lake)
    record_scores(lake, summary.run_id)
    gate = run_gate(lake)
    curated = publish_curated(lake)
    return {
        "quality_rules": summary.rules,
        "gate_passed": gate.passed,
        "curated_tables": len(curated),
        "curated_rows": sum(c.rows for c in curated),
        "prepare_s": round(time.perf_counter() - t, 1),
    }


def run_govlake(home: Path) -> dict:
    from catalog.publish import publish_catalog
    from govlake.settings import Lake

    t = time.perf_counter()
    result = publish_catalog(Lake(home))
    summary = {k: v for k, v in result.items() if isinstance(v, int | float | str) or v is None}
    return {"inner_s": round(time.perf_counter() - t, 2), **summary, "made": sorted(result)}


def run_floor(home: Path) -> dict:
    import duckdb

    t = time.perf_counter()
    manifest = json.loads((home / "dbt" / "manifest.json").read_text(encoding="utf-8"))
    con = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
    tables = con.execute("SELECT schema_name, table_name, estimated_size, comment FROM duckdb_tables()").fetchall()
    columns = con.execute(
        "SELECT schema_name, table_name, column_name, data_type, comment FROM duckdb_columns()"
    ).fetchall()
    scores = con.execute("SELECT * FROM quality.scores").fetchall()
    con.close()
    return {
        "inner_s": round(time.perf_counter() - t, 2),
        "models": sum(1 for n in manifest["nodes"].values() if n["resource_type"] == "model"),
        "tables": len(tables),
        "columns": len(columns),
        "scores": len(scores),
    }


def timed(contender: str, lake: Path, start: Path) -> dict:
    if contender == "govlake":  # every run meets the same warehouse: no directory, no register yet
        shutil.copy2(start, lake / "warehouse.duckdb")
        lake.joinpath("analysts.duckdb").unlink(missing_ok=True)
        shutil.rmtree(lake / "reports" / "catalog", ignore_errors=True)
    return timed_child([sys.executable, __file__, "--one", contender, str(lake)], contender)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--persons", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--reuse", action="store_true", help="keep the prepared lake of an earlier run")
    ap.add_argument(
        "--from", dest="source", type=Path, help="a built lake (default: bench/data/build-<persons>-<seed>/lake)"
    )
    ap.add_argument("--out", type=Path, default=RESULTS / "catalog.json")
    ap.add_argument("--one", nargs=2, help=argparse.SUPPRESS)
    ap.add_argument("--prepare", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:
        who, home = args.one[0], Path(args.one[1])
        print(json.dumps({"govlake": run_govlake, "floor": run_floor}[who](home), ensure_ascii=False, default=str))
        return
    if args.prepare:
        print(json.dumps(prepare_in_child(args.prepare)))
        return

    work = DATA / f"catalog-{args.persons}-{args.seed}"
    lake, start, stamp = work / "lake", work / "warehouse-start.duckdb", work / "prepared.json"
    if args.reuse and stamp.exists() and start.exists():
        prepared = json.loads(stamp.read_text())
    else:
        work.mkdir(parents=True, exist_ok=True)
        prepared = prepare(args.persons, args.seed, work, args.source)
        stamp.write_text(json.dumps(prepared, indent=1))
    runs: dict[str, list[dict]] = {c: [] for c in CONTENDERS}
    for round_no in range(args.repeat):
        for c in CONTENDERS:
            print(f"round {round_no + 1}/{args.repeat}: {c} …", flush=True)
            run = timed(c, lake, start)
            runs[c].append(run)
            print(f"  {run['seconds']} s wall, {run['cpu_s']} s CPU, peak RSS {run['peak_rss_mb']} MB", flush=True)
    best = {c: fastest(rs) for c, rs in runs.items()}
    ratios = ratios_to(best, "govlake", {"floor": "floor"}, with_cpu=("floor",))
    result = {
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "city": {"persons": args.persons, "seed": args.seed},
        "prepared": prepared,
        "method": (
            f"each contender in a fresh process (Python start-up and imports included), round-robin {args.repeat} "
            "rounds, best wall time kept; CPU and peak RSS of the process tree; every govlake run starts from the "
            "same warehouse (no directory, no code register, no analysts' database yet)"
        ),
        "contenders": {
            "govlake": "catalog.publish.publish_catalog(lake), as `govlake catalog build` and the catalog DAG",
            "floor": "dbt manifest parsed + duckdb_tables() + duckdb_columns() + quality.scores read",
        },
        "runs": runs,
        "ratios": ratios,
        "targets": {
            f"within_{TARGET_RATIO:g}x_of_floor": ratios.get("govlake_vs_floor", 99) <= TARGET_RATIO,
            f"under_{TARGET_SECONDS:g}_s": best["govlake"]["seconds"] < TARGET_SECONDS,
        },
    }
    search = RESULTS / "catalog_site_search.json"  # written by the site's browser test
    if search.exists():
        result["site_search"] = {
            "measured_by": "tests/integration/test_catalog_site_browser.py (Debian chromium, its small city)",
            **json.loads(search.read_text(encoding="utf-8")),
        }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8")
    print(f"ratios {ratios}; targets {result['targets']} -> {args.out}")


if __name__ == "__main__":
    main()
