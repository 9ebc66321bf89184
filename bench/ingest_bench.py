"""Ingestion speed against the two references of the performance target.

    .venv/bin/python bench/ingest_bench.py LANDING [--sources a,b] [--repeat 3] [--methods duckdb,govlake]

For the CSV files of every complete batch under LANDING (only `--sources` if
given), times in a fresh subprocess each (so peak RSS is per method):

  duckdb  bare `COPY (SELECT * FROM read_csv(f)) TO 'x.parquet'` per file. DuckDB
          cannot decode GB18030 (STACK-NOTES; it also refuses such bytes as
          latin-1), so it reads a UTF-8 copy of those files, made before the
          clock starts: the reference pays no transcoding at all. A file DuckDB
          refuses (wrong field counts) is re-read with ignore_errors=true.
  pandas  `pd.read_csv(f, encoding=…, dtype=str, keep_default_na=False,
          encoding_errors="replace", on_bad_lines="skip").to_parquet(…)`
  govlake `ingest.ingest_landing(LANDING, fresh lake, <the CSV sources>)` — the
          whole protocol: checksums, decoding, quarantine checks, verification,
          manifest, commit, log (the ops-view refresh included).
  govlake-all  the same over every source of LANDING (JSON Lines, xlsx, ... too).

Peak RSS is sampled every 50 ms over the process and all its descendants
(ingest's worker processes included); CPU is user+system seconds of the tree
(best run), which drifts less than wall time on a shared machine.

Runs are interleaved (round-robin, --repeat rounds) because this VM's speed
drifts by 2x over minutes; prints the best wall time and the peak RSS of each
method, and the ratios. The clock starts before `import ingest` / `import pandas`
(their import time counts), after the UTF-8 copies and `import duckdb`.
"""
from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


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


class TreeSampler:
    """Peak RSS of this process plus all its descendants (ingest workers fork from a
    forkserver, so getrusage(RUSAGE_CHILDREN) would miss them), and CPU seconds."""

    def __init__(self, every: float = 0.05):
        import threading

        import psutil

        self.me = psutil.Process()
        self.peak_rss = 0
        self.child_cpu: dict[int, float] = {}
        self.cpu_at_start = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(every,), daemon=True)
        self._thread.start()

    def _run(self, every: float) -> None:
        import psutil

        while not self._stop.is_set():
            rss = self.me.memory_info().rss
            for c in self.me.children(recursive=True):
                try:
                    rss += c.memory_info().rss
                    t = c.cpu_times()
                    self.child_cpu[c.pid] = t.user + t.system
                except psutil.Error:
                    pass
            self.peak_rss = max(self.peak_rss, rss)
            self._stop.wait(every)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def cpu(self) -> float:
        t = self.me.cpu_times()
        return t.user + t.system + sum(self.child_cpu.values()) - self.cpu_at_start

    def start_clock(self) -> float:
        """Called when the timed work starts (after any preparation)."""
        self.cpu_at_start = 0.0
        self.cpu_at_start = self.cpu()
        return time.perf_counter()


def run_one(method: str, landing: Path, sources: list[str] | None, work: Path, sampler: TreeSampler) -> float:
    t = sampler.start_clock()
    if method == "duckdb":
        import duckdb

        inputs = []
        for i, (src, f) in enumerate(csv_files(landing, sources)):
            if src.encoding == "gb18030":
                utf8 = work / f"in{i}.csv"
                with open(f, encoding="gb18030", errors="replace", newline="") as a, \
                        open(utf8, "w", encoding="utf-8", newline="") as b:
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
            pd.read_csv(f, encoding=src.encoding, dtype=str, keep_default_na=False, encoding_errors="replace",
                        on_bad_lines="skip").to_parquet(work / f"p{i}.parquet")
    elif method in ("govlake", "govlake-all"):
        import ingest
        from govlake.settings import Lake

        if method == "govlake":
            sources = sorted({src.id for src, _ in csv_files(landing, sources)})
        results = ingest.ingest_landing(landing, Lake.from_env(work / "lake"), sources)
        bad = [r.summary() for r in results if r.status == "failed"]
        if bad:
            raise SystemExit("ingestion failed: " + "; ".join(bad))
        print(json.dumps({"rows_written": sum(r.rows_written for r in results),
                          "rows_quarantined": sum(r.rows_quarantined for r in results),
                          "statuses": sorted({r.status for r in results})}), file=sys.stderr)
    return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("landing", type=Path)
    ap.add_argument("--sources", default="")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--methods", default="duckdb,pandas,govlake,govlake-all")
    ap.add_argument("--one", help=argparse.SUPPRESS)
    args = ap.parse_args()
    sources = [s for s in args.sources.split(",") if s] or None
    if args.one:
        sampler = TreeSampler()
        with tempfile.TemporaryDirectory() as tmp:
            secs = run_one(args.one, args.landing, sources, Path(tmp), sampler)
        sampler.stop()
        print(json.dumps({"seconds": secs, "rss_mb": sampler.peak_rss / 2**20, "cpu_s": sampler.cpu()}))
        return
    files = list(csv_files(args.landing, sources))
    size = sum(f.stat().st_size for _, f in files)
    print(f"{len(files)} CSV files, {size / 1e6:.1f} MB")
    methods = [m for m in args.methods.split(",") if m]
    runs: dict[str, list[dict]] = {m: [] for m in methods}
    for _ in range(args.repeat):
        for method in methods:
            out = subprocess.run([sys.executable, __file__, str(args.landing), "--sources", args.sources,
                                  "--one", method], capture_output=True, text=True)
            if out.returncode:
                raise SystemExit(f"{method} failed:\n{out.stderr[-2000:]}")
            runs[method].append(json.loads(out.stdout.strip().splitlines()[-1]))
    best = {}
    for method in methods:
        best[method] = min(runs[method], key=lambda r: r["seconds"])
        secs = sorted(r["seconds"] for r in runs[method])
        print(f"{method:12s} best {best[method]['seconds']:6.2f} s  (runs {', '.join(f'{s:.2f}' for s in secs)})"
              f"  CPU {min(r['cpu_s'] for r in runs[method]):6.2f} s"
              f"  peak RSS {max(r['rss_mb'] for r in runs[method]):6.0f} MB")
    if "govlake" in best and "duckdb" in best:
        g, d = best["govlake"], best["duckdb"]
        print(f"govlake / duckdb: wall {g['seconds'] / d['seconds']:.2f}, CPU {g['cpu_s'] / d['cpu_s']:.2f} "
              "(target: wall <= 2.0)")
    if "govlake" in best and "pandas" in best:
        print(f"govlake / pandas: wall {best['govlake']['seconds'] / best['pandas']['seconds']:.2f} (target < 1.0)")


if __name__ == "__main__":
    main()
