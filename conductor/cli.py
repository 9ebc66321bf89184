"""`govlake` — the command line of the pipeline.

Heavy packages (Airflow, dbt, Great Expectations) are imported inside the
commands that need them, so `govlake --help` answers at once.
"""

from __future__ import annotations

import functools
import sys
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from catalog import cli as catalog_cli
from catalog.cli import app as catalog_app  # the resource directory: build, search, show
from conductor.audit_cli import app as audit_app  # the audit log: show, verify
from conductor.backup_cli import backup, restore  # snapshots by checksum, point-in-time restore
from conductor.om_pipelines import airflow_pipelines  # light: Airflow loads when it is called
from govlake.cli_options import HomeOpt
from quality.cli import app as quality_app  # light: Great Expectations loads when a command runs
from quality.disputes_cli import app as dispute_app  # 数据异议 tickets
from sharing.cli import app as share_app  # 共享申请, grants and the gateway's tokens
from sharing.gateway.cli import serve  # light: FastAPI and uvicorn load when it runs

app = typer.Typer(
    name="govlake",
    help=(
        "Data lakehouse and resource-directory pipeline of the city's big-data bureau (大数据局).\n\n"
        "Departments drop extracts in a landing zone; govlake ingests them into raw Parquet, "
        "builds curated libraries, checks quality and publishes the resource directory. "
        "The lake lives in ./lake unless --home or $GOVLAKE_HOME says otherwise."
    ),
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="rich",
    # A bug's traceback goes through govlake.pii's masking hook: rich's pretty one would
    # print unmasked locals (a delivered row) straight to the terminal.
    pretty_exceptions_enable=False,
)
registry_app = typer.Typer(help="Inspect and validate the source registry (数源清单).", no_args_is_help=True)
app.add_typer(registry_app, name="registry")
app.add_typer(quality_app, name="quality")
app.add_typer(dispute_app, name="dispute")
app.add_typer(audit_app, name="audit")
app.add_typer(catalog_app, name="catalog")
app.add_typer(share_app, name="share")
app.command("serve")(serve)
catalog_cli.pipelines_provider = airflow_pipelines  # the DAGs published as OpenMetadata pipelines
console = Console()
err = Console(stderr=True)

SourcesOpt = Annotated[
    list[str] | None,
    typer.Option("--source", "-s", help="Only this source id (e.g. gaj.household_register); repeatable."),
]


def _lake(home: Path | None):
    from govlake.settings import Lake

    return Lake.from_env(home)


def _audited(action: str, subject):
    """A pipeline command in the audit log: "started" before it runs (it does not run when that
    cannot be written), then ok, held or failed with its exit code; `subject(kwargs)` names it."""

    def wrap(command):
        @functools.wraps(command)
        def audited_command(**kwargs):
            from govlake import audit

            with audit.recorded(_lake(kwargs.get("home")), action, subject=subject(kwargs), started=True):
                return command(**kwargs)

        return audited_command

    return wrap


def _whole_run(command):
    """The run is one state for a backup: it holds the run lock from first step to last,
    its audit records included (govlake/backup/boundary.py)."""

    @functools.wraps(command)
    def whole_run_command(**kwargs):
        from govlake.backup.boundary import whole_run

        with whole_run(_lake(kwargs.get("home"))):
            return command(**kwargs)

    return whole_run_command


# a backup is an action on the lake like a run: the audit log says when, where to, and how it ended
app.command("backup")(_audited("backup", lambda kw: f"snapshot of the lake to {kw['to']}")(backup))
app.command("restore")(restore)


@app.command()
def generate(
    out: Annotated[Path, typer.Option("--out", "-o", help="Landing directory to write (created if missing).")],
    persons: Annotated[int, typer.Option(help="Number of persons; enterprises and events scale with it.")] = 20_000,
    seed: Annotated[int, typer.Option(help="Random seed: the same seed gives byte-identical files.")] = 42,
    defect_rate: Annotated[
        float, typer.Option(help="Share of eligible records given a defect; 0 writes a clean city.")
    ] = 0.01,
    end_date: Annotated[
        str, typer.Option(help="Date of the last batch (YYYY-MM-DD); earlier batches precede it.")
    ] = "2026-10-03",
):
    """Generate a synthetic city: a landing zone of all 16 sources, with defects and a truth file.

    Writes OUT/<source>/<YYYY-MM-DD>/<files> with _READY markers, exactly as the
    departments' interface describes, and OUT/_truth/defects.csv listing every
    injected defect (source, batch, file, line, record key, column, kind).
    """
    from rich.progress import Progress

    from synth import generate_city

    with Progress(console=err, transient=True) as bar:
        tasks: dict[str, int] = {}

        def progress(source_id: str, rows: int) -> None:
            if source_id not in tasks:
                tasks[source_id] = bar.add_task(source_id, total=None)
            bar.update(tasks[source_id], completed=rows, description=f"{source_id} {rows:,} rows")

        summary = generate_city(
            out,
            persons=persons,
            seed=seed,
            defect_rate=defect_rate,
            end_date=date.fromisoformat(end_date),
            progress=progress,
        )
    from conductor.reporting import generate_table

    console.print(generate_table(summary))
    console.print(f"Landing zone: [bold]{out.resolve()}[/]")


@app.command()
def ingest(
    landing: Annotated[
        Path | None, typer.Option("--landing", "-l", help="Landing zone (default: <lake>/landing).")
    ] = None,
    source: SourcesOpt = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="One line per batch, not per source.")] = False,
    home: HomeOpt = None,
):
    """Ingest every complete batch (a directory holding _READY) into raw Parquet.

    Idempotent: an unchanged batch is skipped, a changed one replaces its
    partition atomically. Unreadable rows and files whose header does not match
    the registry go to <lake>/quarantine with the reason.
    """
    results = _ingest(_lake(home), landing, source, verbose)
    raise typer.Exit(1 if any(r.status == "failed" for r in results) else 0)


def _ingest(lake, landing, sources, verbose=False):
    from conductor.pipeline import landing_dir
    from conductor.reporting import print_batch_messages, results_table
    from ingest import ingest_landing

    where = landing_dir(lake, landing)
    if not where.is_dir():
        err.print(f"[red]No landing zone at {where}[/] (give --landing DIR)")
        raise typer.Exit(2)
    with err.status("ingesting…") as status:

        def progress(result) -> None:
            status.update(f"ingested {result.source_id} {result.batch} ({result.status}) …")

        results = ingest_landing(where, lake, sources=sources, progress=progress)
    console.print(results_table(results, per_batch=verbose))
    print_batch_messages(console, results)
    return results


class Engine(StrEnum):
    """Where `govlake run` builds the dbt project (profiles.yml's outputs)."""

    duckdb = "duckdb"
    spark = "spark"


@app.command()
@_whole_run
@_audited(
    "pipeline.run",
    lambda kw: f"landing {kw['landing'] or '<lake>/landing'}; {', '.join(kw['source'] or ['all sources'])}",
)
def run(
    landing: Annotated[
        Path | None, typer.Option("--landing", "-l", help="Landing zone (default: <lake>/landing).")
    ] = None,
    source: SourcesOpt = None,
    verbose: Annotated[
        bool,
        typer.Option(
            "--verbose", "-v", help="One line per batch, dbt's own log, and its debug lines in <lake>/dbt/logs/dbt.log."
        ),
    ] = False,
    full_refresh: Annotated[
        bool,
        typer.Option(
            "--full-refresh", help="Rebuild incremental models from the whole raw layer (after a model changed)."
        ),
    ] = False,
    every_model: Annotated[
        bool,
        typer.Option(
            "--every-model", help="Build every model, not only those downstream of sources with new raw data."
        ),
    ] = False,
    engine: Annotated[
        Engine,
        typer.Option(
            "--engine",
            help="Where dbt builds: duckdb (the warehouse; default) or spark (dbt-spark on a local Spark, "
            "every model, its tables in <lake>/spark/warehouse/; the quality, curated and catalog steps, "
            "which read the warehouse, are not run; docs/spark.md).",
        ),
    ] = Engine.duckdb,
    home: HomeOpt = None,
):
    """Run the pipeline in-process over a landing zone, without a scheduler.

    Calls the same task code the Airflow DAGs call: ingest every complete batch,
    build the dbt project (staging, base libraries, themes) into the warehouse — the
    models downstream of sources whose raw data changed since the last complete build,
    every model after a failed build or a change to the project — run
    the quality rules (scores in quality.scores), then the quality gate
    (quality/gate.yaml): only when no batch is held are the base and theme tables
    published as curated/<library>/<table>.parquet. Then the steward report
    (<lake>/reports/quality/index.html, a workbook per department). Exits non-zero,
    with the reason, when a step fails or the gate holds promotion.
    """
    from conductor.pipeline import promote, transform, transform_summary
    from govlake import audit
    from transform.failures import build_failure

    lake = _lake(home)
    results = _ingest(lake, landing, source, verbose)
    console.print(f"Raw layer: [bold]{lake.raw}[/]   quarantine: [bold]{lake.quarantine}[/]")
    with err.status("dbt build …"):
        built = transform(
            lake,
            quiet=not verbose,
            full_refresh=full_refresh,
            every_model=every_model,
            debug_log=verbose,
            engine=engine.value,
        )
    failure = build_failure(built)
    plan = built["plan"]
    console.print(
        f"dbt build: {plan['reason']}" + (f" ({', '.join(plan['changed_sources'])})" if plan["changed_sources"] else "")
    )
    if built["args"]:
        built_into = lake.warehouse if engine is Engine.duckdb else lake.home / engine.value / "warehouse"
        console.print(f"{transform_summary(built, lake)} → [bold]{built_into}[/]", highlight=False)
    if failure:
        err.print(f"[red]{escape(str(failure))}[/]")
        raise typer.Exit(1)
    if engine is not Engine.duckdb:
        err.print("quality, curated and catalog read the warehouse: not run after a build elsewhere (docs/spark.md)")
        raise typer.Exit(1 if any(r.status == "failed" for r in results) else 0)
    from catalog.cli import print_directory
    from quality.cli import print_gate, print_quality, print_report

    with err.status("quality run …") as status:
        promoted = promote(lake, progress=lambda message: status.update(f"{message} …"))
    print_quality(promoted["quality"], lake)
    print_gate(promoted["gate"])
    print_report(promoted["report"])
    print_directory(promoted["directory"], lake)
    if promoted["curated"]:
        rows = sum(t["rows"] for t in promoted["curated"])
        console.print(f"Curated: {len(promoted['curated'])} tables, {rows:,} rows → [bold]{lake.curated}[/]")
    else:
        err.print(f"[red]{promoted['gate']['reason']}[/]")
        err.print(f"[red]Curated not published[/] ({lake.curated} keeps its previous publication)")
    audit.annotate(
        "held" if not promoted["gate"]["passed"] else None, batches=len(results), curated=len(promoted["curated"])
    )
    raise typer.Exit(1 if not promoted["gate"]["passed"] or any(r.status == "failed" for r in results) else 0)


@app.command()
def status(home: HomeOpt = None):
    """Show what the raw layer holds: per source, batches, rows and what was quarantined."""
    from conductor.reporting import lake_summary, summary_table
    from govlake.pii import mask_text

    lake = _lake(home)
    rows = lake_summary(lake)
    if not rows:
        err.print(f"Nothing ingested yet under {lake.raw}")
        raise typer.Exit(1)
    console.print(summary_table(rows))
    damaged = [line for r in rows for line in r.damaged]
    for line in damaged:
        err.print(f"[red]damaged, rows not counted:[/] {escape(mask_text(line))}", highlight=False, soft_wrap=True)
    if damaged:
        err.print("`govlake ingest` re-ingests a damaged batch its landing directory still holds")
        raise typer.Exit(1)


@app.command()
def verify(
    checksums: Annotated[
        bool,
        typer.Option(
            "--checksums",
            help="Also compare every part's sha256 with its manifest (reads all raw data); "
            "default: part sizes and files only, plus the checksums that are due (ingest/verify.yaml).",
        ),
    ] = False,
    source: SourcesOpt = None,
    backup: Annotated[
        Path | None,
        typer.Option(
            "--backup",
            help="Check this backup (written by `govlake backup`) instead of the lake: every object of "
            "every snapshot present and matching its sha256.",
        ),
    ] = None,
    home: HomeOpt = None,
):
    """Check the raw layer against its manifests: every part present, of its recorded size,
    nothing else in a partition; with --checksums every part's sha256. With --backup DIR,
    check a backup instead: exits 1 naming each missing or damaged object.

    Changes no data (a clean checksum pass is recorded, so the schedule restarts; a
    version-1 manifest gets its parts' sizes and sums recorded once). Exits 1 naming each
    damaged partition and part; `govlake ingest` then re-ingests those whose landing
    directory still holds the delivery.
    """
    if backup is not None:
        raise typer.Exit(_verify_backup(backup))
    from govlake.pii import mask_text
    from govlake.registry import load_registry
    from ingest.verify import verify_raw

    lake = _lake(home)
    try:
        source = [load_registry().source(s).id for s in source] if source else None
    except KeyError as e:
        err.print(f"[red]{escape(str(e.args[0]))}[/]")
        raise typer.Exit(2) from None
    checked = verify_raw(lake, source, checksums=True if checksums else None)
    for v in checked:
        for note in v.notes:
            console.print(escape(mask_text(note)), highlight=False, soft_wrap=True)
    bad = [p for v in checked for p in v.problems]
    for p in bad:
        err.print(f"[red]damaged:[/] {escape(mask_text(p.line()))}", highlight=False, soft_wrap=True)
    summed = sum(v.checksummed for v in checked)
    console.print(
        f"{len(checked)} raw partition(s) checked ({summed} with checksums): "
        + (f"{len({p.partition for p in bad})} damaged" if bad else "all match their manifests")
    )
    if bad:
        err.print("`govlake ingest` re-ingests a damaged batch its landing directory still holds")
        raise typer.Exit(1)


def _verify_backup(backup: Path) -> int:
    from govlake.backup import BackupError, verify_backup

    try:
        checked = verify_backup(backup)
    except BackupError as e:
        err.print(f"[red]{escape(str(e))}[/]", highlight=False, soft_wrap=True)
        return 1
    for problem in checked.problems:
        err.print(f"[red]damaged:[/] {escape(problem)}", highlight=False, soft_wrap=True)
    console.print(
        f"{checked.snapshots} snapshot(s), {checked.objects} object(s) checked: "
        + (f"{len(checked.problems)} problem(s)" if checked.problems else "all match their sha256")
    )
    return 1 if checked.problems else 0


@app.command()
@_audited("pipeline.demo", lambda kw: f"synthetic city of {kw['persons']:,} persons, seed {kw['seed']}")
def demo(
    persons: Annotated[int, typer.Option(help="Persons in the synthetic city.")] = 20_000,
    seed: Annotated[int, typer.Option(help="Random seed of the synthetic city.")] = 42,
    home: HomeOpt = None,
):
    """Generate the synthetic city and run the whole pipeline through Airflow.

    The landing zone is generated under <lake>/landing (skipped when it already
    holds the same city), Airflow's metadata DB is SQLite under <lake>/airflow,
    and every generated DAG runs once with `dag.test()`. Prints a summary and
    where the outputs are.
    """
    from conductor.demo import run_demo

    raise typer.Exit(run_demo(_lake(home), persons=persons, seed=seed, console=console))


@app.command(
    context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
)
def airflow(ctx: typer.Context, home: HomeOpt = None):
    """Run an Airflow CLI command against the lake's Airflow home (e.g. `govlake airflow dags list`).

    Sets AIRFLOW_HOME to <lake>/airflow, the DAG folder to this project's dags/
    and a SQLite metadata DB there. On first use the DB is migrated, the warehouse
    writers' pool created and the DAGs serialized, so `dags list` shows them straight away.
    """
    import os
    import subprocess
    import sys

    from conductor.airflow_env import airflow_environ

    lake = _lake(home)
    env = airflow_environ(lake)
    if not (lake.airflow_home / "airflow.db").exists() and ctx.args[:1] != ["db"]:
        err.print(f"First use of {lake.airflow_home}: migrating the metadata DB and serializing the DAGs …")
        for step in (["airflow", "db", "migrate"], ["conductor.airflow_pools"], ["airflow", "dags", "reserialize"]):
            done = subprocess.run([sys.executable, "-m", *step], env=env, capture_output=True, text=True)
            if done.returncode != 0:
                err.print(done.stdout + done.stderr)
                raise typer.Exit(done.returncode)
    os.execvpe(sys.executable, [sys.executable, "-m", "airflow", *ctx.args], env)


@registry_app.command("list")
def registry_list():
    """List every source: department, library, format, delivery."""
    from conductor.reporting import registry_table

    console.print(registry_table())


@registry_app.command("show")
def registry_show(source_id: Annotated[str, typer.Argument(help="Source id, e.g. gaj.household_register")]):
    """Show one source's columns: header, name, type, required, codes, check, authority."""
    from conductor.reporting import source_table

    try:
        console.print(source_table(source_id))
    except KeyError as e:
        err.print(f"[red]{e.args[0]}[/]")
        raise typer.Exit(2) from None


@registry_app.command("check")
def registry_check(
    directory: Annotated[Path | None, typer.Argument(help="Registry directory (default: the packaged one).")] = None,
):
    """Validate the registry files; exits non-zero naming the file and field at fault."""
    from govlake.registry import RegistryError, load_registry

    try:
        reg = load_registry(directory)
    except RegistryError as e:
        err.print(f"[red]{e}[/]")
        raise typer.Exit(1) from None
    console.print(
        f"registry ok: {len(reg.departments)} departments, {len(reg.sources)} sources, "
        f"{sum(len(s.columns) for s in reg.sources.values())} columns"
    )


def main() -> None:
    from conductor.process_exit import exit_code, exit_process
    from govlake.pii import install_masking

    install_masking()
    try:
        app()
        code = 0
    except SystemExit as e:  # typer ends every command with one
        code = exit_code(e.code)
    except Exception as e:  # a damaged or busy warehouse, a full disk: one line, not a traceback
        from conductor.errors import explain

        reason = explain(e)
        if reason is None:  # a bug: its traceback, masked (typer's hook would print it in clear)
            from govlake.pii import format_exception_masked

            sys.stderr.write(format_exception_masked(e))
        else:
            err.print(f"[red]govlake: {escape(reason)}[/]", highlight=False, soft_wrap=True)
        code = 1
    exit_process(code)


if __name__ == "__main__":
    main()
