"""`govlake dispute …` — 数据异议 tickets (registered in conductor/cli.py); logic in quality/disputes.py."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from govlake.cli_options import HomeOpt
from govlake.pii import mask_text

WORKFLOW = """\
数据异议 (data objections): dispute the golden value of one attribute of one entity
(一数一源: every attribute has one authoritative department).

\b
Workflow:
  file      → 待核实 pending       routed to the attribute's authoritative department
  assign    → 核实中 verifying     待核实 → 核实中 (or re-assign a ticket 核实中)
  reject    → 驳回 rejected        from 待核实 or 核实中: the authoritative value stands
  (回流)    → 已更正 corrected     automatic, after a build: when a later batch of the
                                   authoritative source changes the disputed value
\b
已更正 and 驳回 are final. Every step is kept with who and when (UTC); tickets and
events live in the warehouse: quality.dispute_tickets, quality.dispute_events
(append-only) and the view quality.disputes.
"""

app = typer.Typer(help=WORKFLOW, no_args_is_help=True, rich_markup_mode=None)
console = Console()
err = Console(stderr=True)


def _lake(home):
    from govlake.settings import Lake

    return Lake.from_env(home)


def _fail(e: Exception) -> None:
    err.print(f"[red]{escape(mask_text(str(e)))}[/]", highlight=False)
    raise typer.Exit(2)


def _show(ticket) -> None:
    from quality.disputes import status_label

    head = Table(show_header=False, box=None, pad_edge=False)
    head.add_column(style="bold")
    head.add_column()
    for k, v in (
        ("ticket", ticket.ticket_id),
        ("status", status_label(ticket.status)),
        ("entity", f"{ticket.entity_id} ({ticket.key_column} in {ticket.golden_table})"),
        ("attribute", ticket.attribute),
        ("claimed value", ticket.claimed_value),
        ("golden at filing", f"{ticket.filed_value} (source {ticket.filed_source}, batch {ticket.filed_batch})"),
        (
            "routed to",
            f"{ticket.department_name} ({ticket.department}); authoritative source "
            f"{ticket.source_id}.{ticket.source_column}",
        ),
        ("assignee", ticket.assignee or "—"),
        ("filed", f"{ticket.filed_at:%Y-%m-%d %H:%M:%S} UTC by {ticket.filed_by}"),
        ("note", ticket.note or "—"),
    ):
        head.add_row(k, mask_text(str(v)))  # ID numbers and mobiles never in clear, any field
    console.print(head)
    history = Table(title="history", title_justify="left")
    for col in ("step", "at (UTC)", "by", "status", "note", "golden value (source, batch)"):
        history.add_column(col)
    for e in ticket.events:
        move = f"{e.status_from} → {e.status_to}" if e.status_from else e.status_to
        golden = f"{e.golden_value} ({e.golden_source}, {e.golden_batch})" if e.golden_source else "—"
        history.add_row(
            str(e.step), f"{e.at:%Y-%m-%d %H:%M:%S}", *(mask_text(v) for v in (e.by, move, e.note or "", golden))
        )
    console.print(history)


@app.command("file")
def file_(
    entity: Annotated[str, typer.Option("--entity", "-e", help="person_id (ID number) or enterprise_id (USCC).")],
    attribute: Annotated[
        str,
        typer.Option(
            "--attribute",
            "-a",
            help="library.attribute, e.g. population.name, population.household_address, legal_entity.name.",
        ),
    ],
    claimed_value: Annotated[str, typer.Option("--claimed-value", "-c", help="The value the filer says is right.")],
    by: Annotated[str, typer.Option("--by", help="Who files the dispute (person or department).")],
    note: Annotated[str | None, typer.Option("--note", help="Evidence or context.")] = None,
    home: HomeOpt = None,
):
    """File a dispute (→ 待核实 pending) on the golden value of one attribute of one entity.

    The entity must exist in the golden table of the attribute's library
    (population: base.base_population__person, legal_entity:
    base.base_legal_entity__enterprise). The golden value, its source and batch
    are recorded, and the ticket is routed to the attribute's authoritative
    department (the registry's authority, 数源清单).
    """
    from quality.disputes import DisputeError, file_dispute

    try:
        t = file_dispute(_lake(home), entity, attribute, claimed_value, by, note)
    except DisputeError as e:
        _fail(e)
    console.print(
        f"filed [bold]{t.ticket_id}[/] 待核实 → routed to [bold]{t.department_name}[/] ({t.department}); "
        + mask_text(f"golden {t.attribute} = {t.filed_value!r} from {t.filed_source} batch {t.filed_batch}"),
        highlight=False,
    )


@app.command("list")
def list_(
    status: Annotated[
        str | None, typer.Option("--status", help="待核实|核实中|已更正|驳回 or pending|verifying|corrected|rejected.")
    ] = None,
    department: Annotated[
        str | None, typer.Option("--department", "-d", help="Department code (gaj) or part of its name (公安).")
    ] = None,
    home: HomeOpt = None,
):
    """List dispute tickets, oldest first, with status, department and assignee.

    Values are not listed (names, addresses are personal): `govlake dispute show ID`
    shows them with the ticket's whole history.
    """
    from quality.disputes import DisputeError, list_tickets, status_label

    try:
        tickets = list_tickets(_lake(home), status, department)
    except DisputeError as e:
        _fail(e)
    if not tickets:
        err.print("no dispute tickets match")
        return
    table = Table()
    for col in ("ticket", "status", "entity", "attribute", "department", "assignee", "filed (UTC)", "by"):
        table.add_column(col)
    for t in tickets:
        table.add_row(
            t.ticket_id,
            status_label(t.status),
            mask_text(t.entity_id),  # a person's entity is an ID number
            t.attribute,
            f"{t.department_name} ({t.department})",
            mask_text(t.assignee or "—"),  # free text, as is the filer
            f"{t.filed_at:%Y-%m-%d %H:%M}",
            mask_text(t.filed_by),
        )
    console.print(table)


@app.command("show")
def show(
    ticket_id: Annotated[str, typer.Argument(help="Ticket id, e.g. DSP-00001.")],
    home: HomeOpt = None,
):
    """Show one ticket: what was claimed, the golden value at filing, routing and every step."""
    from quality.disputes import DisputeError, get_ticket

    try:
        _show(get_ticket(_lake(home), ticket_id))
    except DisputeError as e:
        _fail(e)


@app.command("assign")
def assign(
    ticket_id: Annotated[str, typer.Argument(help="Ticket id, e.g. DSP-00001.")],
    to: Annotated[str, typer.Option("--to", help="Who verifies it (in the authoritative department).")],
    by: Annotated[str | None, typer.Option("--by", help="Who assigns it (default: the assignee).")] = None,
    note: Annotated[str | None, typer.Option("--note", help="Why, or instructions.")] = None,
    home: HomeOpt = None,
):
    """Assign a ticket for verification: 待核实 pending → 核实中 verifying (or re-assign)."""
    from quality.disputes import DisputeError
    from quality.disputes import assign as do_assign

    try:
        t = do_assign(_lake(home), ticket_id, to, by, note)
    except DisputeError as e:
        _fail(e)
    console.print(mask_text(f"{t.ticket_id} → {t.status} verifying, assigned to {t.assignee}"), highlight=False)


@app.command("reject")
def reject(
    ticket_id: Annotated[str, typer.Argument(help="Ticket id, e.g. DSP-00001.")],
    reason: Annotated[str, typer.Option("--reason", help="Why the authoritative value stands.")],
    by: Annotated[str, typer.Option("--by", help="Who rejects it.")],
    home: HomeOpt = None,
):
    """Reject a dispute: 待核实 / 核实中 → 驳回 rejected (final); the golden value stands."""
    from quality.disputes import DisputeError
    from quality.disputes import reject as do_reject

    try:
        t = do_reject(_lake(home), ticket_id, reason, by)
    except DisputeError as e:
        _fail(e)
    console.print(mask_text(f"{t.ticket_id} → {t.status} rejected by {by}"), highlight=False)


@app.command("close-corrected")
def close_corrected(home: HomeOpt = None):
    """Run 回流 now: close as 已更正 corrected every open ticket whose value a later batch changed.

    The pipeline does this after each build; this command is for a warehouse built
    another way. A ticket closes when the golden value of its attribute now comes from
    a later batch of the authoritative source and differs from the value at filing.
    """
    from quality.disputes import DisputeError
    from quality.disputes import close_corrected as do_close

    try:
        closed = do_close(_lake(home))
    except DisputeError as e:
        _fail(e)
    for c in closed:
        console.print(
            f"{c.ticket_id} → 已更正 corrected: {c.attribute} of {c.entity_id} is now {c.new_value!r} "
            f"(batch {c.new_batch})",
            highlight=False,
        )
    console.print(f"{len(closed)} ticket(s) closed as 已更正")
