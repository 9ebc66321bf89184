"""`govlake share export`: a grant's rows of one resource, masked, as a file for its consumer.

The command function is registered by the CLI that owns the `share` group (conductor/cli.py);
the work is sharing/export/run.py.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from govlake.cli_options import HomeOpt

console = Console()
err = Console(stderr=True)
PROGRESS_FROM = 100_000  # rows; a smaller export is done before a bar would be drawn


class Format(StrEnum):
    csv = "csv"
    xlsx = "xlsx"
    parquet = "parquet"


def export(
    resource: Annotated[str, typer.Option("--resource", help="Directory code of the resource, e.g. 101001/000001.")],
    fmt: Annotated[
        Format,
        typer.Option(
            "--format",
            help="csv (UTF-8 with BOM, with a .manifest.json beside it), xlsx (one sheet, at most 1,048,575 rows) "
            "or parquet.",
        ),
    ],
    to: Annotated[
        Path,
        typer.Option(
            "--to",
            help="Directory the file is written to; created when missing; never a symlink, nor inside the lake "
            "but for <lake>/exports.",
        ),
    ],
    grant: Annotated[
        str | None,
        typer.Option("--grant", help="The grant in force the export is made under (its consumer, items, purpose)."),
    ] = None,
    for_dept: Annotated[
        str | None,
        typer.Option(
            "--for",
            help="Consumer department code, instead of --grant, for a 无条件共享 resource: every 信息项, personal "
            "ones masked.",
        ),
    ] = None,
    purpose: Annotated[
        str | None, typer.Option("--purpose", help="Purpose recorded with --for (a grant's own purpose otherwise).")
    ] = None,
    by: Annotated[
        str | None, typer.Option("--by", help="Who makes the export, for the log (default: the OS user).")
    ] = None,
    home: HomeOpt = None,
):
    """Export a resource's rows for a consumer as CSV, XLSX or Parquet, masked by sensitivity.

    Only the grant's 信息项; every personal one masked as docs/masking.md#masks says unless the
    grant names it for clear delivery; formula-like text defused in CSV and XLSX. The file
    carries its export id (Parquet metadata, XLSX document properties, the CSV's manifest);
    the export is logged in sharing.exports and the audit log. No grant in force, an expired or
    revoked one, a 不予共享 resource: one line saying why, exit 1, nothing written.
    """
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from govlake.pii import mask_text
    from govlake.settings import Lake

    from .engine import QueryError
    from .export.run import ExportRefused, Request, export_resource
    from .published import NotPublished

    lake = Lake.from_env(home)
    request = Request(resource, fmt.value, to, grant, for_dept, purpose, by)
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=err, transient=True) as bar:
        task = bar.add_task(f"{resource} → {fmt.value}", visible=False)

        def on_total(total: int) -> None:
            bar.update(task, total=total, visible=total >= PROGRESS_FROM)

        try:
            done = export_resource(lake, request, on_total=on_total, on_rows=lambda n: bar.advance(task, n))
        except (ExportRefused, NotPublished, QueryError) as e:
            err.print(f"[red]{escape(mask_text(str(e)))}[/]", soft_wrap=True, highlight=False)
            raise typer.Exit(1) from None
    info = done.info
    clear = ", ".join(info.clear_items) or "none"
    console.print(
        f"{info.export_id}: {done.rows:,} rows of {escape(info.resource.code)} {escape(info.resource.title)} "
        f"for {escape(info.consumer)} ({escape(info.basis)}); clear items: {escape(clear)}",
        highlight=False,
        soft_wrap=True,
    )
    console.print(f"→ [bold]{escape(str(done.path))}[/] sha256 {done.sha256}", highlight=False, soft_wrap=True)
    if done.manifest:
        console.print(f"  manifest {escape(str(done.manifest))}", highlight=False, soft_wrap=True)
