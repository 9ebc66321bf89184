"""How values look in each delivery format, and how a file layout maps registry columns."""

from __future__ import annotations

from datetime import date


def text(value: object) -> str:
    """A value as text, the way truth files and CSV cells show it."""
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return repr(value)
    return str(value)


def dec(value: float | None, places: int = 2) -> str:
    return "" if value is None else f"{value:.{places}f}"
