"""Operational failures the CLI explains in one line with the remedy, instead of a traceback.

A damaged warehouse or raw layer, a warehouse another process holds, a full disk, an audit
log that cannot be written: none is a bug of govlake, and a data engineer needs the remedy, not the stack.
Anything not recognised here is a bug and keeps its traceback.
"""

from __future__ import annotations

import errno

import duckdb

from govlake.audit import AuditError
from govlake.duckdb_settings import SettingError
from govlake.pii import mask_text


def explain(exc: BaseException) -> str | None:
    """One line naming what failed and what to do, or None when `exc` is not operational."""
    text = str(exc)
    if isinstance(exc, AuditError):
        return (
            f"{mask_text(text)} — what was done stands, but a regulated lake does not go on unaudited: "
            "make the audit log writable (free space, permissions) and run the command again"
        )
    from conductor.pipeline import RawDamaged

    if isinstance(exc, RawDamaged):
        return mask_text(text)
    if isinstance(exc, SettingError):  # names the variable and what it takes
        return f"{text} — correct it in the environment and run the command again"
    if (isinstance(exc, OSError) and exc.errno == errno.ENOSPC) or "No space left on device" in text:
        where = f" writing {exc.filename}" if isinstance(exc, OSError) and exc.filename else ""
        return (
            f"no space left on device{where}: free space and run the command again "
            "(a batch is committed whole or not at all; nothing half-written is kept)"
        )
    if isinstance(exc, duckdb.Error):
        if "not a valid DuckDB database file" in text:
            return (
                f"{_first_line(text)} — the warehouse is damaged: restore it from a backup, or move it "
                "aside and rebuild it from the raw layer with `govlake run --full-refresh`"
            )
        if "Could not set lock on file" in text:
            return (
                f"{_first_line(text)} — another process holds the warehouse: wait for it to finish "
                "(or close the notebook or SQL client that has it open) and run the command again"
            )
    return None


def _first_line(text: str) -> str:
    return mask_text(text.strip().splitlines()[0]) if text.strip() else ""
