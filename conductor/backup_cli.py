"""`govlake backup` and `govlake restore` — the lake's snapshots by checksum and their
point-in-time restore (registered in conductor/cli.py; the work is govlake/backup/)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from govlake.cli_options import HomeOpt

console = Console()
err = Console(stderr=True)


def backup(
    to: Annotated[Path, typer.Option("--to", help="Backup directory (created if missing; outside the lake).")],
    keep: Annotated[
        int | None,
        typer.Option(
            "--keep",
            min=1,
            help="After the snapshot, keep only the newest N snapshots in DIR and delete the objects "
            "no kept snapshot uses (default: keep every snapshot).",
            show_default=False,
        ),
    ] = None,
    home: HomeOpt = None,
):
    """Snapshot the whole lake into DIR: every file stored once by its sha256, plus a manifest.

    Holds the lake's writer lock while it copies, so the warehouse, the analysts' database,
    curated Parquet and the sharing grants are taken as one state between two writes;
    readers (the gateway, analysts) are not stopped. Waits for a `govlake run` under way, and
    for an Airflow transform run between its tasks, to finish: a snapshot is never half a run.
    Files already in DIR are not copied again: a second backup of an unchanged lake writes only its manifest,
    DIR/snapshots/<UTC time>.json. Symbolic links are recorded as skipped, never followed.
    With --keep N, older snapshots are then deleted with the objects only they used (a
    schedule's retention: `--keep 30` for a month of daily backups).
    """
    from govlake.backup import BackupError, take
    from govlake.settings import Lake

    try:
        snap = take(Lake.from_env(home), to)
    except (FileNotFoundError, ValueError) as e:
        err.print(f"[red]{escape(str(e))}[/]", highlight=False, soft_wrap=True)
        raise typer.Exit(2) from None
    except BackupError as e:  # an Airflow run left open too long: named, nothing written
        err.print(f"[red]{escape(str(e))}[/]", highlight=False, soft_wrap=True)
        raise typer.Exit(1) from None
    for rel, reason in snap.skipped.items():
        err.print(f"[yellow]skipped[/] {escape(rel)}: {reason}", highlight=False, soft_wrap=True)
    console.print(
        f"snapshot {snap.manifest.name}: {snap.files} files, {snap.bytes:,} bytes; "
        f"{snap.objects_written} new object(s), {snap.bytes_written:,} bytes written to {to}",
        highlight=False,
    )
    if keep:
        from govlake import audit
        from govlake.backup.prune import prune

        try:
            pruned = prune(to, keep)
        except BackupError as e:  # a kept manifest unreadable: nothing was deleted
            err.print(f"[red]{escape(str(e))}[/]", highlight=False, soft_wrap=True)
            raise typer.Exit(1) from None
        audit.annotate(kept=len(pruned.kept), removed=pruned.removed, bytes_freed=pruned.bytes_freed)
        console.print(
            f"kept the newest {len(pruned.kept)} snapshot(s); removed {len(pruned.removed)} older one(s) and "
            f"{pruned.objects_removed} object(s) only they used, {pruned.bytes_freed:,} bytes freed",
            highlight=False,
        )


def restore(
    source: Annotated[Path, typer.Option("--from", help="Backup directory written by `govlake backup`.")],
    to: Annotated[Path, typer.Option("--to", help="Lake directory to create; must be new or empty.")],
    at: Annotated[
        str | None,
        typer.Option(
            "--at",
            help="Restore the newest snapshot taken at or before this ISO 8601 time (UTC unless it carries an "
            "offset: 2026-12-03, 2026-12-03T18:00:00+08:00); default: the newest snapshot.",
            show_default=False,
        ),
    ] = None,
):
    """Rebuild a lake from a backup as it was at a time, into a new, empty directory.

    Every file is checked against its sha256 as it is copied; a damaged or missing object
    stops the restore, named (exit 1). Restored elsewhere than the lake's own directory, the
    views naming the lake's files by path (the analysts' database, the ops logs) are
    re-pointed at the restored files; in place, every file is byte-identical. Point
    GOVLAKE_HOME (or --home) at the restored directory to query it.
    """
    from govlake.backup import BackupError
    from govlake.backup import restore as run_restore

    try:
        when = datetime.fromisoformat(at) if at else None
    except ValueError:
        err.print(f"[red]--at {escape(at)}: not an ISO 8601 time (e.g. 2026-12-03T18:00:00+08:00)[/]")
        raise typer.Exit(2) from None
    try:
        done = run_restore(source, to, when)
    except BackupError as e:
        err.print(f"[red]{escape(str(e))}[/]", highlight=False, soft_wrap=True)
        raise typer.Exit(1) from None
    for view in done.repointed:
        console.print(f"view re-pointed at the restored lake: {escape(view)}", highlight=False)
    console.print(
        f"restored snapshot {done.manifest.name} (taken {done.taken_at.isoformat()}): "
        f"{done.files} files, {done.bytes:,} bytes into {to}",
        highlight=False,
    )
