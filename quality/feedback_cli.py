"""`govlake quality feedback …` — returned work-order workbooks (logic in quality/feedback.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from govlake.cli_options import HomeOpt
from govlake.pii import mask_text

app = typer.Typer(
    help=(
        "Work orders (整改工单): read the department workbooks the steward report sent out and the "
        "departments returned with 整改状态 and 反馈意见 filled in."
    ),
    no_args_is_help=True,
)
console = Console()
err = Console(stderr=True)


@app.command("import")
def import_(
    file: Annotated[Path, typer.Argument(help="The returned workbook (.xlsx) of one department.", show_default=False)],
    by: Annotated[
        str | None,
        typer.Option("--by", help="Who returned or imports the feedback (default: the OS user).", show_default=False),
    ] = None,
    home: HomeOpt = None,
):
    """Record the feedback of a returned work-order workbook.

    The workbook must be the one sent: its hidden sheet 工单 names a work order of this
    lake, its department and checksum, and the finding ids of 违规明细 are exactly the
    order's (no row added or removed, no id edited). Each 整改状态 must be one of
    quality/work_orders.yaml's statuses.

    Otherwise the file is refused with a message
    naming file, sheet, row and column, nothing is recorded and the exit code is 1.

    Accepted, every row with a status or a comment goes to quality.work_order_feedback
    (comment masked, who, when); importing the same file again records nothing new.

    A file that is not an XLSX, too large or a zip bomb is refused before it is parsed.
    """
    from govlake.settings import Lake
    from quality.feedback import FeedbackError, import_feedback
    from quality.work_orders import WorkOrderConfigError

    lake = Lake.from_env(home)
    try:
        result = import_feedback(lake, file, by=by)
    except (FeedbackError, WorkOrderConfigError) as e:
        err.print(f"[red]refused: {escape(mask_text(str(e)))}[/]", highlight=False)
        raise typer.Exit(1) from None
    t = Table(title=f"整改工单 work order {result.work_order_id} ({result.department})")
    t.add_column("整改状态 status")
    t.add_column("rows", justify="right")
    for status, n in sorted(result.statuses.items()):
        t.add_row(status, f"{n:,}")
    console.print(t)
    console.print(
        f"{result.listed:,} findings listed, {result.answered:,} answered (a status or a comment), "
        f"{result.recorded:,} recorded as new feedback by {escape(mask_text(result.by))} → quality.work_order_feedback"
    )
