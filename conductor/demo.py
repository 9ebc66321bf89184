"""`govlake demo`: the synthetic city through the whole pipeline, run by Airflow."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.markup import escape

from conductor.airflow_env import airflow_environ
from conductor.reporting import lake_summary, summary_table
from govlake.lifetime import die_with_parent
from govlake.pii import mask_text
from govlake.settings import Lake
from quality.gate import last_result


def run_demo(lake: Lake, persons: int, seed: int, console: Console) -> int:
    started = time.perf_counter()
    _ensure_city(lake, persons, seed, console)
    console.print(f"[bold]Running the pipeline through Airflow[/] (home {lake.airflow_home}) …")
    ok, runs = _run_airflow(lake)
    gate = last_result(lake)
    if ok and gate is not None and not gate.passed:
        _print_gate(gate, console)
        if _redeliver(lake, persons, seed, console):
            console.print("[bold]Running the pipeline again[/] on the corrected deliveries …")
            ok, more = _run_airflow(lake)
            runs += more
    failed = [r["dag_id"] for r in runs if r["state"] != "success"]
    console.print(summary_table(lake_summary(lake)))
    console.print(
        f"Airflow DAG runs: {len(runs) - len(failed)} succeeded, {len(failed)} failed"
        + (f" ({', '.join(failed)})" if failed else "")
    )
    gate = last_result(lake)
    if gate is not None:
        _print_gate(gate, console)
    _print_locations(lake, console)
    console.print(f"Demo finished in {time.perf_counter() - started:.0f} s.")
    return 0 if ok and not failed else 1


def _run_airflow(lake: Lake) -> tuple[bool, list[dict]]:
    """Every DAG once through Airflow (conductor.airflow_runner); (exit ok, the DAG runs)."""
    result_file = lake.airflow_home / "demo_runs.json"
    result_file.unlink(missing_ok=True)
    proc = subprocess.run(
        [sys.executable, "-m", "conductor.airflow_runner", "--result", str(result_file)],
        env=airflow_environ(lake),
        preexec_fn=die_with_parent(),  # a killed demo takes its Airflow run with it
    )
    runs = json.loads(result_file.read_text(encoding="utf-8"))["runs"] if result_file.exists() else []
    return proc.returncode == 0, runs


def _redeliver(lake: Lake, persons: int, seed: int, console: Console) -> list[Path]:
    """一数一源's loop, played by the synthetic departments: each file rejected whole comes back
    corrected under the same batch date (synth.corrections), for the pipeline to take again."""
    from synth.corrections import write_corrections

    with tempfile.TemporaryDirectory(dir=lake.home, prefix=".corrections.") as tmp:
        fixed = write_corrections(lake.landing, Path(tmp), persons=persons, seed=seed)
        for rel in fixed:
            shutil.copyfile(Path(tmp) / rel, lake.landing / rel)  # a new mtime: the sensors see it
    if fixed:
        console.print(
            "The departments re-deliver their rejected files, corrected, under the same batch dates: "
            + ", ".join(f"{rel.parts[0]} {rel.parts[1]} {rel.name}" for rel in fixed)
        )
    return fixed


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


def _print_gate(gate, console: Console) -> None:
    """The gate's decision (quality.gate.GateResult): a held gate is the demo city's defects doing
    their job."""
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
        ("resource directory", lake.reports / "catalog" / "index.html"),
        ("Airflow home", lake.airflow_home),
    ):
        mark = "" if path.exists() else "  [dim](not produced yet)[/]"
        console.print(f"  {label:<20} {path}{mark}")
    console.print(
        f"  {'sharing gateway':<20} govlake serve --home {lake.home}  "
        "(console and API on http://127.0.0.1:8765/; tokens: govlake share token create)",
        soft_wrap=True,
    )
