"""What the share workflow holds, read from the warehouse (read-only; [] before any share command).

applications(lake, resource=None, consumer=None, status=None)   # 待审批 | 已批准 | 已驳回 | 已撤回
grants(lake, resource=None, consumer=None, state=None)          # 有效 | 已到期 | 已撤销
events(lake, subject=None)                                      # the history, oldest first
"""

from __future__ import annotations

from datetime import datetime

from govlake.settings import Lake
from sharing.store import now_utc, read_rows, sql

GRANT_STATES = ("有效", "已到期", "已撤销")


def applications(lake: Lake, *, resource=None, consumer=None, status=None) -> list[dict]:
    return read_rows(lake, sql("applications"), [resource, consumer, status])


def grants(lake: Lake, *, resource=None, consumer=None, state=None, at: datetime | None = None) -> list[dict]:
    """Grants with their state at `at` (naive UTC; default now)."""
    return read_rows(lake, sql("grants"), [resource, consumer, state, at or now_utc()])


def grant(lake: Lake, grant_id: str, at: datetime | None = None) -> dict | None:
    """One grant with its state at `at` (naive UTC; default now), None when there is none."""
    found = [g for g in grants(lake, at=at) if g["grant_id"] == grant_id]
    return found[0] if found else None


def events(lake: Lake, subject: str | None = None) -> list[dict]:
    return read_rows(
        lake, "SELECT * FROM sharing.events WHERE ? IS NULL OR subject = ? ORDER BY event_id", [subject, subject]
    )
