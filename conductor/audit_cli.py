"""`govlake audit …` — read and verify the audit log (registered in conductor/cli.py; the log
itself is govlake/audit.py, docs/audit.md)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from govlake.cli_options import HomeOpt
from govlake.pii import mask_text

app = typer.Typer(
    help=(
        "The append-only audit log: every run, ingestion, gate decision, dispute step and export, "
        "with who, when and the outcome (<lake>/audit/audit-YYYY-MM.jsonl, view ops.audit_log)."
    ),
    no_args_is_help=True,
)
console = Console()
err = Console(stderr=True)


def _lake(home):
    from govlake.settings import Lake

    return Lake.from_env(home)


def _since(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        parsed = datetime.fromisoformat(text) if "T" in text or " " in text else date.fromisoformat(text)
    except ValueError:
        err.print(f"[red]--since {escape(text)}: give a date (2026-12-01) or a UTC time (2026-12-01T08:00)[/]")
        raise typer.Exit(2) from None
    if not isinstance(parsed, datetime):
        parsed = datetime(parsed.year, parsed.month, parsed.day)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def query(lake, action: str | None = None, since: datetime | None = None, limit: int = 50) -> list[dict]:
    """The newest `limit` records matching, oldest first; `action` matches itself and its
    sub-actions (dispute → dispute.file, dispute.reject, …)."""
    from govlake import audit, duckdb_settings

    if not audit.log_files(lake):
        return []
    sql = f"SELECT * FROM ({audit.select_sql(lake)}) WHERE true"
    params: list = []
    if action:
        sql += " AND (action = ? OR starts_with(action, ? || '.'))"
        params += [action, action]
    if since:
        sql += ' AND "at" >= ?'
        params.append(since)
    sql += " ORDER BY seq DESC LIMIT ?"
    params.append(limit)
    with duckdb_settings.connect(lake) as con:
        cur = con.execute(sql, params)
        names = [d[0] for d in cur.description]
        rows = [dict(zip(names, r)) for r in cur.fetchall()]
    return rows[::-1]


def _who(r: dict) -> str:
    who = r["actor"] or f"{r['user']}@{r['host']}"
    if r["dag_id"]:
        who += f"\n{r['dag_id']}.{r['task_id'] or '-'} try {r['try_number'] or '-'}"
    return who


@app.command("show")
def show(
    action: Annotated[
        str | None,
        typer.Option("--action", "-a", help="Only this action and its sub-actions: dispute, dispute.file, ingest, …"),
    ] = None,
    since: Annotated[
        str | None, typer.Option("--since", help="Only records at or after this date or UTC time (2026-12-01).")
    ] = None,
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, help="Show the newest N records (oldest first).")] = 50,
    home: HomeOpt = None,
):
    """Show the newest audit records: when, what, on what, outcome, who (masked)."""
    lake = _lake(home)
    rows = query(lake, action, _since(since), limit)
    if not rows:
        console.print(f"No audit records under {lake.audit}" + (" matching" if action or since else ""))
        return
    table = Table(title=f"audit log {lake.audit}", title_justify="left")
    for col in ("seq", "at (UTC)", "action", "subject", "outcome", "who", "details"):
        table.add_column(col, overflow="fold")
    for r in rows:
        details = json.loads(r["details"]) if r["details"] else {}
        cells = (
            str(r["seq"]),
            r["at"].astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S"),
            r["action"],
            r["subject"] or "",
            r["outcome"],
            _who(r),
            json.dumps(details, ensure_ascii=False)[:300],
        )
        table.add_row(*(escape(mask_text(c)) for c in cells))  # masked when written; again for a hand-edited line
    console.print(table)


@app.command("verify")
def verify(home: HomeOpt = None):
    """Check the audit log's hash chain; exits 1 naming the file and line of the first broken link."""
    from govlake import audit

    lake = _lake(home)
    result = audit.verify(lake)
    if result.broken:
        err.print(f"[red]audit log broken: {escape(str(result.broken))}[/]", highlight=False, soft_wrap=True)
        err.print(f"{result.records} records before it chain correctly.")
        raise typer.Exit(1)
    console.print(
        f"audit log intact: {result.records} records in {result.files} file(s) under {lake.audit}; head {result.head}",
        highlight=False,
        soft_wrap=True,
    )
