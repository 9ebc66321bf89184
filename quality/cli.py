"""`govlake quality …` — the quality layer's commands (registered in govlake/cli.py).

Imports stay inside the commands: Great Expectations alone takes seconds to import, and
`govlake --help` should answer at once.
"""
from __future__ import annotations

import atexit
import os
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.table import Table

app = typer.Typer(
    help=("Data quality (GB/T 36344): rules generated from the source registry plus quality/rules.yaml, "
          "run on the warehouse through Great Expectations."),
    no_args_is_help=True,
)
console = Console()
err = Console(stderr=True)


@app.command("run")
def run(
    source: Annotated[Optional[list[str]], typer.Option(
        "--source", "-s", help="Only this source id (e.g. gaj.household_register); repeatable.")] = None,
    batch: Annotated[Optional[list[str]], typer.Option(
        "--batch", "-b", help="Only this batch date (YYYY-MM-DD); repeatable.")] = None,
    home: Annotated[Optional[Path], typer.Option(
        "--home", help="Lake directory (default: $GOVLAKE_HOME, else ./lake).", show_default=False)] = None,
):
    """Check the warehouse: every rule on every batch (or those selected).

    Writes quality.violations (one row per failing record and rule, values
    masked) and quality.rule_results (checked, failed, pass rate per rule and
    batch), replacing earlier results of the same batches; Great Expectations
    results as JSON under <lake>/reports/quality/gx/ and Data Docs under
    <lake>/reports/quality/data_docs/. Build the warehouse first (govlake run).
    Exits 0 when the checks ran, whatever they found; 1 when they could not.
    """
    from govlake.settings import Lake
    from quality.runner import QualityError, run_quality

    lake = Lake.from_env(home)
    try:
        with err.status("quality run …") as status:
            summary = run_quality(lake, sources=source or None, batches=batch or None,
                                  progress=lambda message: status.update(f"quality: {message} …"))
    except (QualityError, KeyError) as e:
        err.print(f"[red]{e.args[0] if e.args else e}[/]")
        raise typer.Exit(1)
    if summary.batches == 0:
        err.print("[yellow]no batch of the selected sources matched: nothing was checked[/]")
        raise typer.Exit(1)
    console.print(summary_table(summary))
    console.print(f"run {summary.run_id}: {summary.rules} rules, {summary.sources} sources, "
                  f"{summary.batches} batches, {summary.violations:,} violations in {summary.seconds:.1f} s")
    console.print(f"Tables: quality.violations, quality.rule_results in [bold]{lake.warehouse}[/]")
    console.print(f"Data Docs: [bold]{lake.reports / 'quality' / 'data_docs' / 'index.html'}[/]")
    atexit.register(_silence_shutdown_reports)


def _silence_shutdown_reports() -> None:
    """With duckdb_engine and great_expectations both imported, duckdb's nanobind bindings
    print dozens of "leaked instance" lines at interpreter exit (module globals of
    duckdb_engine outlive the duckdb module's teardown; nothing leaks while the process
    runs). The command's output is complete by then, so stderr is closed before it."""
    sys.stdout.flush()
    sys.stderr.flush()
    os.dup2(os.open(os.devnull, os.O_WRONLY), 2)


def summary_table(summary) -> Table:
    from quality.dimensions import DIMENSIONS

    t = Table(title="Quality by GB/T 36344 dimension")
    for col in ("dimension", "rules", "checked", "failed", "pass rate"):
        t.add_column(col, justify="left" if col == "dimension" else "right")
    for d in summary.dimensions:
        rate = f"{(d.checked - d.failed) / d.checked:.2%}" if d.checked else "—"
        t.add_row(f"{DIMENSIONS[d.dimension].zh} {d.dimension}", f"{d.rules:,}", f"{d.checked:,}",
                  f"{d.failed:,}", rate, style="yellow" if d.failed else None)
    return t
