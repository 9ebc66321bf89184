"""`govlake demo`: the synthetic city through the whole pipeline, run by Airflow."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time

from rich.console import Console
from rich.markup import escape

from conductor.airflow_env import airflow_environ
from conductor.reporting import lake_summary, summary_table
from govlake.lifetime import die_with_parent
from govlake.pii import mask_text
from govlake.settings import Lake


def run_demo(lake: Lake, persons: int, seed: int, console: Console) -> int:
    started = time.perf_counter()
    _ensure_city(lake, persons, seed, console)
    console.print(f"[bold]Running the pipeline through Airflow[/] (home {lake.airflow_home}) …")
    result_file = lake.airflow_home / "demo_runs.json"
    proc = subprocess.run(
        [sys.executable, "-m", "conductor.airflow_runner", "--result", str(result_file)],
        env=airflow_environ(lake),
        preexec_fn=die_with_parent(),  # a killed demo takes its Airflow run with it
    )
    runs = json.loads(result_file.read_text(encoding="utf-8"))["runs"] if result_file.exists() else []
    failed = [r["dag_id"] for r in runs if r["state"] != "success"]
    console.print(summary_table(lake_summary(lake)))
    console.print(
        f"Airflow DAG runs: {len(runs) - len(failed)} succeeded, {len(failed)} failed"
        + (f" ({', '.join(failed)})" if failed else "")
    )
    _print_gate(lake, console)
    _print_locations(lake, console)
    console.print(f"Demo finished in {time.perf_counter() - started:.0f} s.")
    return 0 if proc.returncode == 0 and not failed else 1


def _ensure_city(lake: Lake, persons: int, seed: int, console: Console) -> None:
    """Generate the landing zone unless it already holds this very city."""
    from synth import generate_city

    stamp = lake.home / "demo_city.json"
    wanted = {"persons": persons, "seed": seed}
    if stamp.exists() and json.loads(stamp.read_text()) == wanted and lake.landing.is_dir():
        console.print(f"Landing zone {lake.landing} already holds the city {wanted}; not regenerating.")
        return
    if lake.landing.exists():
        shutil.rmtree(lake.landing)
    console.print(f"[bold]Generating the synthetic city[/] ({persons:,} persons, seed {seed}) into {lake.landing} …")
    t0 = time.perf_counter()
    summary = generate_city(lake.landing, persons=persons, seed=seed)
    rows = sum(c.rows for c in summary.sources.values())
    console.print(
        f"  {rows:,} rows in {len(summary.sources)} sources, {time.perf_counter() - t0:.0f} s; "
        f"injected defects listed in {summary.truth_path}"
    )
    lake.home.mkdir(parents=True, exist_ok=True)
    stamp.write_text(json.dumps(wanted))


def _print_gate(lake: Lake, console: Console) -> None:
    """The gate's last decision: a held gate is the demo city's defects doing their job."""
    from quality.gate import last_result

    gate = last_result(lake)
    if gate is None:
        return
    if gate.passed:
        console.print(f"Quality gate: passed, all {len(gate.decisions)} batches; curated published.")
        return
    console.print(
        f"Quality gate: [yellow]held[/] {len(gate.failures)} of {len(gate.decisions)} batches, so curated "
        "was not (re)published — the synthetic city delivers defective files on purpose; the steward "
        "report says why, batch by batch:"
    )
    for d in gate.failures:
        console.print(f"  {escape(mask_text(d.reasons))}", highlight=False, soft_wrap=True)


def _print_locations(lake: Lake, console: Console) -> None:
    console.print("[bold]Where things are[/]")
    for label, path in (
        ("landing zone", lake.landing),
        ("raw Parquet", lake.raw),
        ("quarantine", lake.quarantine),
        ("warehouse (DuckDB)", lake.warehouse),
        ("dbt artifacts", lake.dbt),
        ("curated Parquet", lake.curated),
        ("ingest log", lake.logs / "ingest"),
        ("audit log", lake.audit),
        ("reports", lake.reports),
        ("steward report", lake.reports / "quality" / "index.html"),
        ("department workbooks", lake.reports / "quality" / "departments"),
        ("Airflow home", lake.airflow_home),
    ):
        mark = "" if path.exists() else "  [dim](not produced yet)[/]"
        console.print(f"  {label:<20} {path}{mark}")
