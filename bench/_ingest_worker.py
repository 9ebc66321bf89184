"""One contender of bench/ingest.py, run in its own process; prints one JSON line."""
from __future__ import annotations

import json
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def generate(landing: str, persons: str, seed: str) -> dict:
    from govlake.synth import generate_city

    summary = generate_city(Path(landing), persons=int(persons), seed=int(seed))
    return {"rows": sum(c.rows for c in summary.sources.values())}


def govlake(landing: str, work: str) -> dict:
    from ingest import ingest_landing
    from govlake.settings import Lake

    lake = Lake.from_env(Path(work) / "lake")
    per_source: dict[str, dict] = {}
    started = time.perf_counter()
    for r in ingest_landing(Path(landing), lake):
        s = per_source.setdefault(r.source_id, {"rows": 0, "seconds": 0.0, "batches": 0, "quarantined": 0})
        s["rows"] += r.rows_written
        s["seconds"] += r.seconds
        s["batches"] += 1
        s["quarantined"] += r.rows_quarantined
    seconds = time.perf_counter() - started
    for s in per_source.values():
        s["rows_per_s"] = round(s["rows"] / s["seconds"]) if s["seconds"] else None
        s["seconds"] = round(s["seconds"], 2)
    rows = sum(s["rows"] for s in per_source.values())
    return {"rows": rows, "seconds": round(seconds, 2), "rows_per_s": round(rows / seconds), "sources": per_source}


def duckdb_floor(utf8_landing: str, work: str) -> dict:
    import duckdb

    out = Path(work) / "floor"
    out.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    files = sorted(Path(utf8_landing).glob("*/*/*.csv"))
    rows = 0
    started = time.perf_counter()
    for i, f in enumerate(files):
        con.execute(f"COPY (SELECT * FROM read_csv('{f}', all_varchar=true)) TO '{out / f'{i}.parquet'}'")
    seconds = time.perf_counter() - started
    rows = con.execute(f"SELECT count(*) FROM read_parquet('{out}/*.parquet')").fetchall()[0][0]
    return {"rows": rows, "files": len(files), "seconds": round(seconds, 2)}


def pandas(landing: str, work: str) -> dict:
    import pandas as pd

    from govlake.registry import load_registry

    reg = load_registry()
    out = Path(work) / "pandas"
    out.mkdir(parents=True, exist_ok=True)
    files = sorted(Path(landing).glob("*/*/*.csv"))
    rows = 0
    started = time.perf_counter()
    for i, f in enumerate(files):
        enc = reg.source(f.parts[-3]).encoding
        df = pd.read_csv(f, encoding=enc, dtype=str, keep_default_na=False,
                         encoding_errors="replace", on_bad_lines="skip")
        df.to_parquet(out / f"{i}.parquet", index=False)
        rows += len(df)
    return {"rows": rows, "files": len(files), "seconds": round(time.perf_counter() - started, 2)}


if __name__ == "__main__":
    kind, *args = sys.argv[1:]
    result = globals()[kind](*args)
    result["peak_rss_mb"] = round(peak_rss_mb(), 1)
    print(json.dumps(result))
