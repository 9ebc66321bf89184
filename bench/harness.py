"""What the benchmarks share: a process-tree sampler (peak RSS, CPU), the synthetic city
they run on (generated once under bench/data/ and stamped), and the machine description."""

from __future__ import annotations

import json
import os
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "bench" / "data"
RESULTS = ROOT / "bench" / "results"


def fastest(runs: list[dict]) -> dict:
    """The run with the best wall time (machines here are shared: the best is the least disturbed)."""
    return min(runs, key=lambda r: r["seconds"])


def ratio(a: dict, b: dict, key: str = "seconds") -> float:
    """a's measure over b's, as the results files give it."""
    return round(a[key] / b[key], 2)


def ratios_to(best: dict, subject: str, baselines: dict[str, str], with_cpu: tuple[str, ...] = ()) -> dict:
    """`subject`'s best wall time over each baseline's, for the contenders that ran:
    {"<subject>_vs_<label>": …}, and CPU time too ("…_cpu") for the labels in with_cpu.
    `baselines` maps a label to the contender's name in `best`."""
    mine, ratios = best.get(subject), {}
    for label, name in baselines.items():
        theirs = best.get(name)
        if mine and theirs:
            ratios[f"{subject}_vs_{label}"] = ratio(mine, theirs)
            if label in with_cpu:
                ratios[f"{subject}_vs_{label}_cpu"] = ratio(mine, theirs, "cpu_s")
    return ratios


def city_dir(persons: int, seed: int) -> Path:
    return DATA / f"city-{persons}-{seed}"


def machine() -> dict:
    import psutil

    return {
        "cpus": os.cpu_count(),
        "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


class TreeSampler:
    """Peak RSS of this process plus all its descendants (ingest workers fork from a
    forkserver, dbt runs in a child process, so getrusage(RUSAGE_CHILDREN) would miss
    them), and CPU seconds."""

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


def bench_lake(source: Path, lake: Path) -> None:
    """A fresh lake for a benchmark: the built lake's raw, quarantine and logs hard-linked (the
    copy survives bench/build.py replacing its directory), its warehouse copied."""
    import shutil

    if lake.exists():
        shutil.rmtree(lake)
    lake.mkdir(parents=True)
    for sub in ("raw", "quarantine", "logs"):
        if (source / sub).exists():
            shutil.copytree(source / sub, lake / sub, copy_function=os.link)
    shutil.copy2(source / "warehouse.duckdb", lake / "warehouse.duckdb")


def child(script: str, args: list[str]) -> dict:
    """Run a benchmark script's own step in a child process; the JSON it printed last."""
    out = subprocess.run([sys.executable, script, *args], capture_output=True, text=True)
    if out.returncode:
        raise SystemExit(f"{args[0]} failed:\n{out.stdout[-3000:]}\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def timed_child(cmd: list[str], what: str) -> dict:
    """Run a contender in a fresh process: its wall time (start-up and imports included), the
    CPU and peak RSS of its process tree, and the JSON it printed last."""
    sampler = TreeSampler()
    t = sampler.start_clock()
    out = subprocess.run(cmd, capture_output=True, text=True)
    secs = time.perf_counter() - t
    sampler.stop()
    if out.returncode:
        raise SystemExit(f"{what} failed:\n{out.stdout[-3000:]}\n{out.stderr[-3000:]}")
    return {
        "seconds": round(secs, 2),
        "cpu_s": round(sampler.cpu(), 1),
        "peak_rss_mb": round(sampler.peak_rss / 2**20),
        **json.loads(out.stdout.strip().splitlines()[-1]),
    }


def sampled_run(cmd: list[str], what: str, ok_codes: tuple[int, ...] = (0,)) -> tuple[int, str, dict]:
    """Run `cmd` in a fresh process: (its exit code, its stdout, {seconds, cpu_s, peak_rss_mb}
    of its process tree). An exit code outside ok_codes stops the benchmark, quoting the
    output's tail masked (it may quote a delivered row)."""
    from govlake.pii import mask_text

    load = os.getloadavg()[0]  # the machine is shared: how busy it was when the run started
    sampler = TreeSampler()
    t = sampler.start_clock()
    out = subprocess.run(cmd, capture_output=True, text=True)
    secs = time.perf_counter() - t
    sampler.stop()
    if out.returncode not in ok_codes:
        raise SystemExit(
            mask_text(f"{what} failed (exit {out.returncode}):\n{out.stdout[-3000:]}\n{out.stderr[-3000:]}")
        )
    measure = {
        "seconds": round(secs, 2),
        "cpu_s": round(sampler.cpu(), 1),
        "peak_rss_mb": round(sampler.peak_rss / 2**20),
        "load_average_at_start": round(load, 2),
    }
    return out.returncode, out.stdout, measure


def du_bytes(path: Path) -> int:
    """Bytes under `path` as `du -sb` counts them (a hard-linked file once, symlinks not followed)."""
    if not path.exists():
        return 0
    out = subprocess.run(["du", "-sb", str(path)], capture_output=True, text=True, check=True)
    return int(out.stdout.split()[0])


def git_commit() -> str:
    """The checkout's commit, "+dirty" when it has uncommitted changes (its figures are then
    not those of the commit alone)."""
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    dirty = subprocess.run(["git", "status", "--porcelain"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    return head + ("+dirty" if dirty else "")


def ensure_city(landing: Path, persons: int, seed: int) -> dict:
    """Generate the city once (in a subprocess, timed); later calls read the stamp."""
    stamp = landing / "_truth" / "bench_generation.json"
    if stamp.exists():
        return json.loads(stamp.read_text())
    print(f"generating {persons:,} persons into {landing} …", flush=True)
    out = subprocess.run(
        [sys.executable, __file__, str(landing), str(persons), str(seed)], capture_output=True, text=True
    )
    if out.returncode:
        raise SystemExit(f"generation failed:\n{out.stderr[-2000:]}")
    info = json.loads(out.stdout.strip().splitlines()[-1])
    stamp.write_text(json.dumps(info))
    return info


def city_and_fresh_work(kind: str, persons: int, seed: int) -> tuple[Path, dict, Path]:
    """The generated city (ensure_city), its generation figures, and an empty work directory
    DATA/<kind>-<persons>-<seed>/ (what a previous run left there is removed)."""
    landing = city_dir(persons, seed)
    generation = ensure_city(landing, persons, seed)
    work = DATA / f"{kind}-{persons}-{seed}"
    if work.exists():
        shutil.rmtree(work)
    return landing, generation, work


def _generate(landing: Path, persons: int, seed: int) -> dict:
    from synth import generate_city

    sampler = TreeSampler()
    t = sampler.start_clock()
    summary = generate_city(landing, persons=persons, seed=seed)
    secs = time.perf_counter() - t
    sampler.stop()
    return {
        "seconds": round(secs, 1),
        "cpu_s": round(sampler.cpu(), 1),
        "peak_rss_mb": round(sampler.peak_rss / 2**20),
        "rows": summary.rows,
        "files": summary.files,
        "bytes": sum(f.stat().st_size for f in landing.rglob("*") if f.is_file()),
    }


if __name__ == "__main__":  # the generation subprocess of ensure_city
    sys.path.insert(0, str(ROOT))
    print(json.dumps(_generate(Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]))))
