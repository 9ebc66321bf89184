"""`govlake quality …` — the quality layer's commands (registered in conductor/cli.py).

Imports stay inside the commands: Great Expectations alone takes seconds to import, and
`govlake --help` should answer at once.
"""

from __future__ import annotations

import atexit
import os
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from govlake import duckdb_settings
from govlake.cli_options import HomeOpt
from quality.feedback_cli import app as feedback_app

app = typer.Typer(
    help=(
        "Data quality (GB/T 36344): rules generated from the source registry plus quality/rules.yaml, "
        "run on the warehouse through Great Expectations."
    ),
    no_args_is_help=True,
)
app.add_typer(feedback_app, name="feedback")
console = Console()
err = Console(stderr=True)


@app.command("run")
def run(
    source: Annotated[
        list[str] | None,
        typer.Option("--source", "-s", help="Only this source id (e.g. gaj.household_register); repeatable."),
    ] = None,
    batch: Annotated[
        list[str] | None, typer.Option("--batch", "-b", help="Only this batch date (YYYY-MM-DD); repeatable.")
    ] = None,
    home: HomeOpt = None,
):
    """Check the warehouse: every rule on every batch (or those selected).

    Writes quality.violations (one row per failing record and rule, values
    masked) and quality.rule_results (checked, failed, pass rate per rule and
    batch), replacing earlier results of the same batches, and appends the run's
    GB/T 36344 scores to quality.scores; Great Expectations
    results as JSON under <lake>/reports/quality/gx/ and Data Docs under
    <lake>/reports/quality/data_docs/. Build the warehouse first (govlake run).
    Exits 0 when the checks ran, whatever they found; 1 when they could not.
    """
    from govlake.settings import Lake
    from quality.runner import QualityError, run_quality

    lake = Lake.from_env(home)
    try:
        with err.status("quality run …") as status:
            summary = run_quality(
                lake,
                sources=source or None,
                batches=batch or None,
                progress=lambda message: status.update(f"quality: {message} …"),
            )
    except (QualityError, KeyError) as e:
        err.print(f"[red]{e.args[0] if e.args else e}[/]")
        raise typer.Exit(1) from None
    if summary.batches == 0:
        err.print("[yellow]no batch of the selected sources matched: nothing was checked[/]")
        raise typer.Exit(1)
    from quality.scores import record_scores

    record_scores(lake, summary.run_id)
    console.print(summary_table(summary))
    console.print(
        f"run {summary.run_id}: {summary.rules} rules, {summary.sources} sources, "
        f"{summary.batches} batches, {summary.violations:,} violations in {summary.seconds:.1f} s"
    )
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
        t.add_row(
            f"{DIMENSIONS[d.dimension].zh} {d.dimension}",
            f"{d.rules:,}",
            f"{d.checked:,}",
            f"{d.failed:,}",
            rate,
            style="yellow" if d.failed else None,
        )
    return t


def print_quality(result: dict, lake) -> None:
    """The summary of a quality run given as a dict (conductor.pipeline.quality_run)."""
    from types import SimpleNamespace

    dims = [SimpleNamespace(**d) for d in result["dimensions"]]
    console.print(summary_table(SimpleNamespace(dimensions=dims)))
    console.print(
        f"quality run {result['run_id']}: {result['rules']} rules, {result['batches']} batches, "
        f"{result['violations']:,} violations in {result['seconds']:.1f} s "
        f"→ quality.violations, quality.rule_results, quality.scores in [bold]{lake.warehouse}[/]"
    )
    atexit.register(_silence_shutdown_reports)


def gate_table(gate: dict) -> Table:
    """The held batches' numbers; their reasons are printed below it (print_gate), whole lines
    that wrap on a narrow terminal instead of a column folded a few letters wide."""
    t = Table(title="Quality gate: held batches" if gate["failed"] else "Quality gate")
    for col in ("#", "source", "batch", "blocking rows", "rows read", "share", "threshold"):
        numeric = col in ("#", "blocking rows", "rows read", "share", "threshold")
        t.add_column(col, justify="right" if numeric else "left", no_wrap=col in ("source", "batch"))
    for i, d in enumerate(gate["failed"], start=1):
        share = f"{d['share']:.2%}" if d["share"] is not None else "—"
        t.add_row(
            str(i),
            d["source_id"],
            d["batch"],
            f"{d['blocking_failed']:,}",
            f"{d['checked']:,}",
            share,
            f"{d['threshold']:.2%}",
            style="red",
        )
    return t


def print_gate(gate: dict) -> None:
    if gate["passed"]:
        console.print(
            f"quality gate {gate['gate_id']}: [green]passed[/] — {gate['batches']} batches within "
            "their thresholds (quality/gate.yaml); decisions in quality.gate_decisions"
        )
    else:
        console.print(gate_table(gate))
        for i, d in enumerate(gate["failed"], start=1):
            console.print(f"  {i}. {d['reasons']}", style="red", highlight=False, markup=False)
        console.print(
            f"quality gate {gate['gate_id']}: [red]held[/] {len(gate['failed'])} of {gate['batches']} "
            "batches; decisions in quality.gate_decisions"
        )


@app.command("gate")
def gate(
    home: HomeOpt = None,
):
    """Run the promotion gate on the latest quality results.

    A batch is held when the share of its rows failing blocking rules is over the
    threshold of quality/gate.yaml (default and per-source overrides), or when a
    file of it was rejected whole (count_rejected_files, true by default). Decisions
    are appended to quality.gate_decisions. Exits 1 with a table of the held
    batches (source, batch, rules, share vs threshold) when any batch fails, 0 when
    all pass; curated Parquet is published only after a passing gate (govlake run).
    """
    from govlake.settings import Lake
    from quality.gate import run_gate

    try:
        result = run_gate(Lake.from_env(home)).as_dict()
    except (FileNotFoundError, LookupError) as e:
        err.print(f"[red]{e}[/]")
        raise typer.Exit(1) from None
    print_gate(result)
    raise typer.Exit(0 if result["passed"] else 1)


@app.command("scores")
def scores(
    department: Annotated[
        str | None, typer.Option("--department", "-d", help="Only this department (e.g. gaj).")
    ] = None,
    home: HomeOpt = None,
):
    """Print the GB/T 36344 scorecard of the current data: each source, and each department.

    Scores are on 0-100: a rule scores passed / checked; a dimension of a source is
    the mean of its rules weighted by rows checked; a department's (and a source's)
    overall score is the weighted mean of the dimensions (规范性 20, 完整性 20,
    准确性 25, 一致性 20, 时效性 10, 可访问性 5), leaving out a dimension that
    checked nothing and renormalising the others. Files rejected whole lower 可访问性
    and 完整性 by the rejected share of the delivered bytes (a batch rejected whole
    scores 0 on both); the column "rejected" shows that share, in red. Every run's
    scores per batch are kept in quality.scores (trends); run `govlake quality run` first.

    Current data (docs/quality-dimensions.md#open-findings): a full snapshot's latest
    batch, every batch of an increment; a row a later increment re-delivered no
    longer counts as failing. The batch column names the source's latest batch.
    """

    from govlake.settings import Lake
    from quality.dimensions import DIMENSIONS
    from quality.scores import OVERALL, current_scores

    lake = Lake.from_env(home)
    if not lake.warehouse.exists():
        err.print(f"[red]no warehouse at {lake.warehouse}: run `govlake run` first[/]")
        raise typer.Exit(1)
    con = duckdb_settings.connect(lake, lake.warehouse, read_only=True)
    try:
        have = con.execute(
            "SELECT count(*) FROM information_schema.tables "
            "WHERE table_schema = 'quality' AND table_name = 'rule_results'"
        ).fetchall()[0][0]
        rows = current_scores(con) if have else []
    finally:
        con.close()
    if department:
        rows = [r for r in rows if r.department == department]
    if not rows:
        err.print(
            "[red]no quality results"
            + (f" for department {department}" if department else "")
            + ": run `govlake quality run` first[/]"
        )
        raise typer.Exit(1)
    by = {}
    for r in rows:
        by.setdefault((r.level, r.source_id, r.department, r.batch), {})[r.dimension] = r
    for level, title in (
        ("source", "Scorecard: the open findings of each source's current data"),
        ("department", "Scorecard: departments (the current data of their sources)"),
    ):
        t = Table(title=title)
        t.add_column("source" if level == "source" else "department")
        t.add_column("batch")
        for d in DIMENSIONS.values():
            t.add_column(f"{d.zh}\n{d.weight}", justify="right")
        t.add_column("overall", justify="right")
        t.add_column("rows checked", justify="right")
        t.add_column("rejected", justify="right")
        for (lvl, sid, dept, batch), dims in sorted(by.items(), key=lambda kv: (kv[0][2], kv[0][1] or "")):
            if lvl != level:
                continue
            cells = [_score_cell(dims.get(code)) for code in DIMENSIONS]
            overall = dims.get(OVERALL)
            t.add_row(
                sid if level == "source" else dept,
                batch,
                *cells,
                _score_cell(overall, bold=True),
                f"{overall.checked:,}" if overall else "—",
                f"[red]{overall.rejected_share:.1%}[/]" if overall and overall.rejected_share else "—",
            )
        console.print(t)
    console.print(
        "— = nothing checked in that dimension: left out, the other weights renormalised. "
        "Trends: quality.scores (every run, per batch)."
    )


@app.command("report")
def report(
    home: HomeOpt = None,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Report directory (default: <lake>/reports/quality).", show_default=False),
    ] = None,
):
    """Write the steward report: index.html and one XLSX workbook per department.

    Everything is in one scope, the open findings of the current data (a full
    snapshot's latest batch, every batch of an increment not re-delivered since),
    each new, still open or resolved since the batch before. The page (open it from
    disk, it loads nothing from the network) shows the GB/T 36344 scorecard of all
    departments (table and charts), the trend of each department over its batches,
    the promotion gate's held batches, the worst rules, each department's priorities
    and history, sample open findings, the open 一数一源 conflicts per department, the
    数据异议 tickets and a link to the GX Data Docs. departments/<code>-<name>.xlsx is
    what a department is sent to correct (sheets 说明, 违规明细, 已解决, 冲突, 数据异议,
    历史; rows per sheet capped by quality/report/report.yaml). Every personal value is
    masked but a department's own delivered copy of a conflicting value, in its own
    workbook. Run `govlake quality run` first; exits 1 when there are no quality results.

    Each workbook is a work order (整改工单, quality.work_orders): per finding an owner, a
    due date by severity (quality/work_orders.yaml), a 整改状态 drop-down and a 反馈意见
    column; read the returned workbook with `govlake quality feedback import`.
    """
    from govlake.settings import Lake
    from quality.report import ReportError, write_report

    lake = Lake.from_env(home)
    try:
        with err.status("steward report …"):
            result = write_report(lake, out)
    except ReportError as e:
        err.print(f"[red]{e}[/]")
        raise typer.Exit(1) from None
    print_report(result.as_dict())


def print_report(result: dict) -> None:
    """Where the steward report of a run was written (govlake quality report, govlake run)."""
    page = Path(result["page"])
    console.print(
        f"Steward report: [bold]{page}[/] ({result['departments']} departments, "
        f"{result['violations']:,} open findings, {result['conflicts']:,} open conflicts, "
        f"{result['disputes']:,} disputes)"
    )
    if result["workbooks"]:
        folder = Path(next(iter(result["workbooks"].values()))).parent
        console.print(f"Department workbooks: {len(result['workbooks'])} XLSX in [bold]{folder}[/]")
    if result.get("work_orders"):
        console.print(
            f"Work orders (整改工单): {len(result['work_orders'])} issued, one per workbook (quality.work_orders); "
            "read a returned workbook with `govlake quality feedback import FILE`"
        )


def _score_cell(s, bold: bool = False) -> str:
    if s is None:
        return "—"
    colour = "green" if s.score >= 99 else "yellow" if s.score >= 95 else "red"
    text = f"{s.score:.2f}"
    return f"[{'bold ' if bold else ''}{colour}]{text}[/]"
