"""Soak benchmark (issue 18): consecutive days of deliveries for all sources, each day a whole
`govlake run` (ingest, incremental build, quality run and gate, publication when the gate
passes, steward report, catalog) on the same lake.

    python bench/soak.py --persons 100000 --days 30 [--seed 42] [--end 2026-11-02] [--resume]

The city is generated once (synth.generate_city with a daily span of days + 5, ending at
--end: bench/soak_plan.py says why not a generation per day) under WORK/, stamped. Day 0
delivers every batch dated on or before the soak's start (the lake's history) and runs; it is
recorded but left out of the targets. Day k delivers the batch directories dated start + k
into <lake>/landing (files hard-linked), with the corrections of the files rejected whole the
day before (the departments' answers: soak_plan.correction_days; generated beside the city by
synth.corrections), and runs `govlake run --home LAKE` in a process of its
own: exit 0, or 1 when the audit log says the gate held (the synthetic city's defects may
hold a batch; the run is complete either way). Per day: wall and CPU seconds and peak RSS of
the run's process tree, the warehouse's and the lake's size (`du -sb`), raw and curated rows
(Parquet footers) and the warehouse's rows (duckdb_tables().estimated_size). Results, the
targets (bench/soak_plan.evaluate) and a plot: --out (default bench/results/soak.json) after
every day, --plot (default bench/soak.png) at the end. --resume continues a soak of the same
parameters from its last measured day.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import DATA, RESULTS, ROOT, du_bytes, git_commit, machine, sampled_run
from soak_plan import correction_days, evaluate, plan_days, soak_span

sys.path.insert(0, str(ROOT))

MEMORY_ENV = "GOVLAKE_MEMORY_LIMIT"  # govlake/duckdb_settings.py, passed through to every run
THREADS_ENV = "GOVLAKE_THREADS"
DEFAULT_END = date(2026, 11, 2)  # 30 days after the default city's last batch (2026-10-03)
GOVLAKE = Path(sys.executable).parent / "govlake"


def ensure_soak_city(city: Path, params: dict) -> dict:
    """Generate the soak's city once (a child process, sampled); later calls read the stamp."""
    stamp = city / "_truth" / "soak_generation.json"
    if stamp.exists():
        info = json.loads(stamp.read_text())
        if info["params"] == params and "corrections" in info:
            return info
    print(f"generating {params['persons']:,} persons, {params['daily_days']} daily batches into {city} …", flush=True)
    cmd = [sys.executable, __file__, "--generate", str(city), "--params", json.dumps(params)]
    _, stdout, measure = sampled_run(cmd, "generation")
    info = {"params": params, **measure, **json.loads(stdout.strip().splitlines()[-1])}
    stamp.write_text(json.dumps(info))
    return info


def generate(city: Path, params: dict) -> dict:
    """The city, and beside it (corrected_dir) the departments' corrections of its files
    rejected whole (synth.corrections), which the soak re-delivers (soak_plan.correction_days)."""
    from synth import generate_city
    from synth.corrections import write_corrections

    world = {
        "persons": params["persons"],
        "seed": params["seed"],
        "end_date": date.fromisoformat(params["end"]),
        "daily_days": params["daily_days"],
    }
    summary = generate_city(city, **world)
    fixed = write_corrections(city, corrected_dir(city), **world)
    return {"rows": summary.rows, "files": summary.files, "corrections": [str(rel) for rel in fixed]}


def corrected_dir(city: Path) -> Path:
    return city.with_name(city.name + "-corrected")


def deliver(batches: list[Path], landing: Path) -> list[str]:
    """The day's batch directories into the lake's landing zone, files hard-linked."""
    for batch in batches:
        target = landing / batch.parent.name / batch.name
        target.mkdir(parents=True, exist_ok=True)
        for f in batch.iterdir():
            if not (target / f.name).exists():
                try:
                    os.link(f, target / f.name)
                except OSError:  # another file system
                    shutil.copy2(f, target / f.name)
    return sorted(f"{b.parent.name}/{b.name}" for b in batches)


def redeliver(corrections: list[Path], city: Path, landing: Path) -> list[str]:
    """Corrected files over the landing zone's broken ones, under the same batch dates. The
    broken file is unlinked first: it is a hard link to the city's own file, which writing
    through it would change."""
    for rel in corrections:
        target = landing / rel
        target.unlink(missing_ok=True)
        shutil.copyfile(corrected_dir(city) / rel, target)  # a new file, a new mtime
    return [str(rel) for rel in corrections]


def last_run_outcome(lake_home: Path, since: datetime) -> str | None:
    """The outcome of the newest `pipeline.run` record in the lake's audit log written after
    `since` (None: the run left none)."""
    from govlake import audit
    from govlake.settings import Lake

    for path in reversed(audit.log_files(Lake(lake_home))):
        for line in reversed(path.read_text(encoding="utf-8").splitlines()):
            rec = json.loads(line)
            if datetime.fromisoformat(rec["at"]) < since:
                return None
            if rec.get("action") == "pipeline.run" and rec.get("outcome") != "started":
                return rec["outcome"]
    return None


def parquet_rows(root: Path) -> int:
    """Rows of every Parquet file under `root`, from their footers."""
    import duckdb

    files = sorted(str(p) for p in root.rglob("*.parquet")) if root.exists() else []
    if not files:
        return 0
    return (
        duckdb.connect()
        .execute("SELECT sum(num_rows)::BIGINT FROM parquet_file_metadata($f)", {"f": files})
        .fetchone()[0]
    )


def warehouse_facts(warehouse: Path) -> dict:
    """The warehouse's rows (DuckDB's estimate per table, summed) and the batches the newest
    gate decision held (source/batch: why curated was not published that day)."""
    import duckdb

    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        rows = con.execute("SELECT coalesce(sum(estimated_size), 0)::BIGINT FROM duckdb_tables()").fetchone()[0]
        held = con.execute(
            "SELECT source_id || '/' || batch FROM quality.gate_decisions WHERE NOT passed AND gate_id = "
            "(SELECT max_by(gate_id, decided_at) FROM quality.gate_decisions) ORDER BY 1"
        ).fetchall()
    finally:
        con.close()
    return {"warehouse_rows": rows, "held_batches": [h[0] for h in held]}


def sizes(lake_home: Path) -> dict:
    warehouse = lake_home / "warehouse.duckdb"
    wal = Path(f"{warehouse}.wal")
    return {
        "warehouse_bytes": du_bytes(warehouse) + du_bytes(wal),
        "lake_bytes": du_bytes(lake_home),
        "landing_bytes": du_bytes(lake_home / "landing"),
        "raw_rows": parquet_rows(lake_home / "raw"),
        "curated_rows": parquet_rows(lake_home / "curated"),
        **warehouse_facts(warehouse),
    }


def run_day(k: int, day: date, batches: list[Path], corrections: list[Path], city: Path, lake_home: Path) -> dict:
    delivered = deliver(batches, lake_home / "landing")
    redelivered = redeliver(corrections, city, lake_home / "landing")
    print(f"day {k} ({day}): {len(delivered)} batches, {len(redelivered)} corrected files …", flush=True)
    since = datetime.now(UTC)
    code, _, measure = sampled_run([str(GOVLAKE), "run", "--home", str(lake_home)], f"day {k}", ok_codes=(0, 1))
    outcome = last_run_outcome(lake_home, since)
    if code and outcome != "held":
        raise SystemExit(f"day {k}: govlake run exited {code}, its audit record says {outcome!r}")
    record = {"day": k, "date": day.isoformat(), "delivered": delivered, "redelivered": redelivered}
    record.update(outcome=outcome, **measure)
    record.update(sizes(lake_home), measured_at=datetime.now(UTC).isoformat(timespec="seconds"))
    print(
        f"  {record['seconds']} s, CPU {record['cpu_s']} s, peak RSS {record['peak_rss_mb']} MB, "
        f"warehouse {record['warehouse_bytes'] / 1e6:.1f} MB, raw rows {record['raw_rows']:,} ({outcome})",
        flush=True,
    )
    return record


def save(out: Path, results: dict) -> None:
    results["evaluation"] = evaluate(results["days"][1:]) if len(results["days"]) > 1 else None
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".tmp")
    tmp.write_text(json.dumps(results, ensure_ascii=False, indent=2), encoding="utf-8")
    tmp.replace(out)


def print_summary(results: dict) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"soak: {results['params']['persons']:,} persons")
    for col in ("day", "date", "batches", "wall s", "CPU s", "peak RSS MB", "warehouse MB", "lake MB", "raw rows"):
        table.add_column(col, justify="right")
    table.add_column("curated rows", justify="right")
    for d in results["days"]:
        table.add_row(
            str(d["day"]),
            d["date"],
            str(len(d["delivered"])),
            f"{d['seconds']:.1f}",
            f"{d['cpu_s']:.1f}",
            f"{d['peak_rss_mb']:,}",
            f"{d['warehouse_bytes'] / 1e6:.1f}",
            f"{d['lake_bytes'] / 1e6:.1f}",
            f"{d['raw_rows']:,}",
            f"{d['curated_rows']:,}",
        )
    console = Console()
    console.print(table)
    ev = results.get("evaluation")
    if ev:
        for name, m in ev["measures"].items():
            verdict = "" if not m["target"] else f" (≤ {ev['limit']}: {m['met']})"
            console.print(f"{name}: last {ev['window_days']} / first {ev['window_days']} days = {m['ratio']}{verdict}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--persons", type=int, default=100_000)
    ap.add_argument("--days", type=int, default=30)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--end", type=date.fromisoformat, default=DEFAULT_END, help="the last day's date")
    ap.add_argument("--work", type=Path, default=DATA, help="where the city and the lake are kept")
    ap.add_argument("--out", type=Path, default=RESULTS / "soak.json")
    ap.add_argument("--plot", type=Path, default=ROOT / "bench" / "soak.png")
    ap.add_argument("--resume", action="store_true", help="continue a soak of the same parameters")
    ap.add_argument("--generate", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--params", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.generate:
        print(json.dumps(generate(args.generate, json.loads(args.params))))
        return
    if args.days < 1:
        ap.error("--days must be at least 1")
    start, daily_days = soak_span(args.end, args.days)
    params = {
        "persons": args.persons,
        "seed": args.seed,
        "end": args.end.isoformat(),
        "daily_days": daily_days,
        "days": args.days,
    }
    tag = f"{args.persons}-{args.seed}-{args.end}-{daily_days}"
    city, lake_home = args.work / f"soak-city-{tag}", args.work / f"soak-lake-{tag}"
    generation = ensure_soak_city(city, {k: v for k, v in params.items() if k != "days"})
    plan = plan_days(city, start, args.days)
    answers = correction_days([Path(rel) for rel in generation["corrections"]], start, args.days)
    results = json.loads(args.out.read_text(encoding="utf-8")) if args.resume and args.out.exists() else None
    if results is None or results["params"] != params or not lake_home.exists():
        if lake_home.exists():
            shutil.rmtree(lake_home)
        results = {
            "params": params,
            "start": start.isoformat(),
            "machine": machine(),
            "commit": git_commit(),
            "memory_limit": os.environ.get(MEMORY_ENV),
            "threads": os.environ.get(THREADS_ENV),
            "generation": generation,
            "method": "day 0 delivers the history (its files rejected whole already corrected) and is left out "
            "of the targets; a file rejected whole on day k comes back corrected on day k + 1; each day one "
            "`govlake run` in its own process, RSS and CPU of its process tree (psutil, every 50 ms)",
            "days": [],
        }
    for k in range(len(results["days"]), args.days + 1):
        results["days"].append(run_day(k, start + timedelta(days=k), plan[k], answers[k], city, lake_home))
        save(args.out, results)
    save(args.out, results)
    print_summary(results)
    from soak_plot import write_plot

    print(write_plot(results, args.plot))
    print(f"-> {args.out}")


if __name__ == "__main__":
    main()
