"""Ingestion benchmark on the 1,000,000-person synthetic city.

In one run, over the same landing zone:
  * govlake ingestion of every source (rows/s per source and overall, peak RSS);
  * the floor: a bare DuckDB `COPY (SELECT * FROM read_csv(...)) TO '….parquet'`
    over the same CSV files (GB18030 files are given to DuckDB already transcoded
    to UTF-8, untimed, since DuckDB cannot decode them: the floor pays no decoding);
  * the naive peer: pandas `read_csv` + `to_parquet` over the same CSV files.
Each contender runs in its own child process so its peak RSS is its own.
Targets (issue 3): govlake CSV ingestion within 2x of the floor, faster than
pandas, peak RSS under 2 GB. Results: bench/results/ingest.json.

    python bench/ingest.py [--persons 1000000] [--seed 42] [--data bench/data]
"""
from __future__ import annotations

import argparse
import json
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--persons", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--data", type=Path, default=HERE / "data")
    ap.add_argument("--out", type=Path, default=HERE / "results" / "ingest.json")
    args = ap.parse_args()

    landing = args.data / f"city-{args.persons}-{args.seed}"
    generation = ensure_landing(landing, args.persons, args.seed)
    csv_files = csv_inputs(landing)
    work = args.data / "work"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)

    print(f"landing zone: {landing}", flush=True)
    govlake = child("govlake", landing, work)
    floor_inputs = prepare_floor_inputs(csv_files, work / "utf8")
    floor = child("duckdb_floor", work / "utf8", work)
    pandas_peer = child("pandas", landing, work)

    csv_sources = sorted({f.parts[-3] for f in csv_files})
    govlake_csv_s = sum(s["seconds"] for sid, s in govlake["sources"].items() if sid in csv_sources)
    result = {
        "persons": args.persons,
        "seed": args.seed,
        "machine": {"python": platform.python_version(), "cpus": __import__("os").cpu_count(),
                    "platform": platform.platform()},
        "generation": generation,
        "govlake": govlake,
        "duckdb_floor": floor,
        "pandas": pandas_peer,
        "csv_comparison": {
            "sources": csv_sources,
            "rows": floor["rows"],
            "govlake_seconds": round(govlake_csv_s, 2),
            "duckdb_floor_seconds": floor["seconds"],
            "pandas_seconds": pandas_peer["seconds"],
            "govlake_vs_floor": round(govlake_csv_s / floor["seconds"], 2),
            "govlake_vs_pandas": round(govlake_csv_s / pandas_peer["seconds"], 2),
        },
        "targets": {
            "within_2x_of_floor": govlake_csv_s <= 2 * floor["seconds"],
            "faster_than_pandas": govlake_csv_s < pandas_peer["seconds"],
            "peak_rss_under_2gb": govlake["peak_rss_mb"] < 2048,
        },
        "floor_inputs_transcoded_untimed": floor_inputs,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8")
    c = result["csv_comparison"]
    print(f"govlake: {govlake['rows']:,} rows in {govlake['seconds']:.1f} s "
          f"({govlake['rows'] / govlake['seconds']:,.0f} rows/s), peak RSS {govlake['peak_rss_mb']:.0f} MB")
    print(f"CSV only: govlake {c['govlake_seconds']} s, DuckDB floor {c['duckdb_floor_seconds']} s "
          f"({c['govlake_vs_floor']}x), pandas {c['pandas_seconds']} s ({c['govlake_vs_pandas']}x)")
    print(f"targets: {result['targets']}  -> {args.out}")
    return 0


def ensure_landing(landing: Path, persons: int, seed: int) -> dict:
    stamp = landing / "_truth" / "bench.json"
    if stamp.exists():
        return json.loads(stamp.read_text())
    shutil.rmtree(landing, ignore_errors=True)
    print(f"generating {persons:,} persons into {landing} …", flush=True)
    started = time.perf_counter()
    out = run_child(["generate", str(landing), str(persons), str(seed)])
    info = {"seconds": round(time.perf_counter() - started, 1), "peak_rss_mb": out["peak_rss_mb"],
            "rows": out["rows"], "bytes": sum(f.stat().st_size for f in landing.rglob("*") if f.is_file())}
    stamp.write_text(json.dumps(info))
    return info


def csv_inputs(landing: Path) -> list[Path]:
    return sorted(p for p in landing.glob("*/*/*.csv"))


def prepare_floor_inputs(files: list[Path], target: Path) -> dict:
    """Copy the CSVs as UTF-8 (DuckDB reads nothing else), keeping source/batch folders."""
    from govlake.registry import load_registry

    reg = load_registry()
    for f in files:
        source = reg.source(f.parts[-3])
        dest = target / f.parts[-3] / f.parts[-2] / f.name
        dest.parent.mkdir(parents=True, exist_ok=True)
        if source.encoding == "gb18030":
            # Undecodable rows (injected defects) are replaced: the floor only needs the volume.
            dest.write_text(f.read_bytes().decode("gb18030", errors="replace"), encoding="utf-8")
        else:
            shutil.copyfile(f, dest)
    return {"files": len(files)}


def child(kind: str, landing: Path, work: Path) -> dict:
    print(f"running {kind} …", flush=True)
    return run_child([kind, str(landing), str(work)])


def run_child(args: list[str]) -> dict:
    proc = subprocess.run([sys.executable, str(HERE / "_ingest_worker.py"), *args],
                          capture_output=True, text=True)
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout + proc.stderr)
        raise SystemExit(f"benchmark child {args[0]} failed")
    return json.loads(proc.stdout.strip().splitlines()[-1])


if __name__ == "__main__":
    sys.exit(main())
