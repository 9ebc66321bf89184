"""Ingestion benchmark on the 1,000,000-person synthetic city (issue 3).

    python bench/ingest.py [--persons 1000000] [--seed 42] [--repeat 2]

Generates the city under bench/data/ if it is not there yet (timed), then, over
the CSV files of every complete batch, times in a fresh subprocess each (so
peak RSS and CPU are per method, worker processes included):

  duckdb       the floor: bare `COPY (SELECT * FROM read_csv(f)) TO 'x.parquet'`
               per file. DuckDB cannot decode GB18030 (STACK-NOTES), so it reads
               UTF-8 copies of those files made before its clock starts: the
               floor pays no decoding at all.
  pandas       the naive peer: `pd.read_csv(f, dtype=str, …).to_parquet(…)`.
  govlake      `ingest.ingest_landing` over the CSV sources: the whole protocol
               (checksums, decoding, quarantine, verification, manifest, commit, log).
  govlake-all  the same over every source (JSON Lines, JSON, XLSX, GeoJSON too),
               with rows/s per source.

Runs are interleaved round-robin (--repeat rounds) because this VM's speed
drifts over minutes; the best wall time of each method is compared. Results:
bench/results/ingest.json; summary in bench/README.md.
Targets: govlake within 2x of the duckdb floor, faster than pandas, peak RSS < 2 GB.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import RESULTS, ROOT, TreeSampler, city_dir, ensure_city, fastest, machine, ratios_to

sys.path.insert(0, str(ROOT))
OUT = RESULTS / "ingest.json"


def csv_files(landing: Path, sources: list[str] | None):
    from govlake.registry import load_registry
    from ingest.batches import classify_files, find_complete_batches

    reg = load_registry()
    for sid, src in sorted(reg.sources.items()):
        if src.format != "csv" or (sources and sid not in sources):
            continue
        for d in find_complete_batches(landing, src):
            for f in classify_files(d, src).data:
                yield src, f


def run_one(
    method: str, landing: Path, sources: list[str] | None, work: Path, sampler: TreeSampler
) -> tuple[float, dict]:
    t = sampler.start_clock()
    if method == "duckdb":
        import duckdb

        inputs = []
        for i, (src, f) in enumerate(csv_files(landing, sources)):
            if src.encoding == "gb18030":
                utf8 = work / f"in{i}.csv"
                with (
                    open(f, encoding="gb18030", errors="replace", newline="") as a,
                    open(utf8, "w", encoding="utf-8", newline="") as b,
                ):
                    shutil.copyfileobj(a, b, 1 << 20)
                f = utf8
            inputs.append(f)
        t = sampler.start_clock()
        con = duckdb.connect()
        for i, f in enumerate(inputs):
            try:
                con.execute(f"COPY (SELECT * FROM read_csv('{f}')) TO '{work}/d{i}.parquet'")
            except duckdb.Error:  # a delivery with defects: DuckDB refuses it unless told to skip
                con.execute(f"COPY (SELECT * FROM read_csv('{f}', ignore_errors=true)) TO '{work}/d{i}.parquet'")
        con.close()
    elif method == "pandas":
        import pandas as pd

        for i, (src, f) in enumerate(csv_files(landing, sources)):
            # lenient, or it stops at the first defect of a realistic delivery
            pd.read_csv(
                f,
                encoding=src.encoding,
                dtype=str,
                keep_default_na=False,
                encoding_errors="replace",
                on_bad_lines="skip",
            ).to_parquet(work / f"p{i}.parquet")
    elif method in ("govlake", "govlake-all"):
        import ingest
        from govlake.settings import Lake

        if method == "govlake":
            sources = sorted({src.id for src, _ in csv_files(landing, sources)})
        results = ingest.ingest_landing(landing, Lake.from_env(work / "lake"), sources)
        secs = time.perf_counter() - t
        bad = [r.summary() for r in results if r.status == "failed"]
        if bad:
            raise SystemExit("ingestion failed: " + "; ".join(bad))
        rows = sum(r.rows_written for r in results)
        return secs, {
            "rows_written": rows,
            "rows_quarantined": sum(r.rows_quarantined for r in results),
            "rows_per_s": round(rows / secs),
            "sources": per_source(results),
        }
    return time.perf_counter() - t, {}


def per_source(results) -> dict:
    """Rows and processing seconds per source (batch seconds summed inside the workers)."""
    out: dict[str, dict] = {}
    for r in results:
        s = out.setdefault(r.source_id, {"batches": 0, "rows_written": 0, "rows_quarantined": 0, "seconds": 0.0})
        s["batches"] += 1
        s["rows_written"] += r.rows_written
        s["rows_quarantined"] += r.rows_quarantined
        s["seconds"] += r.seconds
    for s in out.values():
        s["rows_per_s"] = round(s["rows_written"] / s["seconds"]) if s["seconds"] else None
        s["seconds"] = round(s["seconds"], 2)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--persons", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--landing", type=Path, help="Benchmark this landing zone instead of generating one.")
    ap.add_argument("--methods", default="duckdb,pandas,govlake,govlake-all")
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--one", help=argparse.SUPPRESS)
    args = ap.parse_args()
    landing = args.landing or city_dir(args.persons, args.seed)
    if args.one:
        sampler = TreeSampler()
        with tempfile.TemporaryDirectory(dir=landing.parent) as tmp:
            secs, extra = run_one(args.one, landing, None, Path(tmp), sampler)
        sampler.stop()
        print(json.dumps({"seconds": secs, "rss_mb": sampler.peak_rss / 2**20, "cpu_s": sampler.cpu(), **extra}))
        return

    generation = None if args.landing else ensure_city(landing, args.persons, args.seed)
    files = list(csv_files(landing, None))
    size = sum(f.stat().st_size for _, f in files)
    print(f"{landing}: {len(files)} CSV files, {size / 1e6:.0f} MB", flush=True)
    methods = [m for m in args.methods.split(",") if m]
    runs: dict[str, list[dict]] = {m: [] for m in methods}
    for round_no in range(args.repeat):
        for method in methods:
            print(f"round {round_no + 1}/{args.repeat}: {method} …", flush=True)
            out = subprocess.run(
                [sys.executable, __file__, "--landing", str(landing), "--one", method], capture_output=True, text=True
            )
            if out.returncode:
                raise SystemExit(f"{method} failed:\n{out.stderr[-2000:]}")
            runs[method].append(json.loads(out.stdout.strip().splitlines()[-1]))
    best = {m: fastest(rs) for m, rs in runs.items()}
    for method in methods:
        secs = sorted(r["seconds"] for r in runs[method])
        print(
            f"{method:12s} best {best[method]['seconds']:6.2f} s  (runs {', '.join(f'{s:.2f}' for s in secs)})"
            f"  CPU {min(r['cpu_s'] for r in runs[method]):6.2f} s"
            f"  peak RSS {max(r['rss_mb'] for r in runs[method]):6.0f} MB"
        )
    ratios = ratios_to(best, "govlake", {"duckdb_floor": "duckdb", "pandas": "pandas"}, with_cpu=("duckdb_floor",))
    peak = max((r["rss_mb"] for m in ("govlake", "govlake-all") for r in runs.get(m, [])), default=None)
    result = {
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "landing": {
            "path": str(landing),
            "persons": None if args.landing else args.persons,
            "csv_files": len(files),
            "csv_bytes": size,
            "generation": generation,
        },
        "method": "best wall time of interleaved runs, each method in a fresh process; "
        "RSS and CPU of the whole process tree",
        "runs": runs,
        "best": best,
        "ratios": ratios,
        "targets": {
            "within_2x_of_duckdb_floor": bool(ratios.get("govlake_vs_duckdb_floor", 99) <= 2.0),
            "faster_than_pandas": bool(ratios.get("govlake_vs_pandas", 99) < 1.0),
            "peak_rss_under_2gb": bool(peak is not None and peak < 2048),
        },
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8")
    print(f"ratios {ratios}; targets {result['targets']} -> {args.out}")


if __name__ == "__main__":
    main()
