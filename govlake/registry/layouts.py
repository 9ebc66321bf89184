"""The layouts a registry `format` may declare for a date or date-time column, as regexes.

The declared layout is the interface contract (一标准): staging reads a date in any layout
the interface uses (dbt_project/macros/typing/dates.sql) and flags `off_layout` when the
text does not follow its column's declared one; quality reports it as
conformity.declared_layout (a warning: the value is still staged).

M and D without a second letter mean no leading zero (2026/9/5), as in Excel's and the
national standards' notation; MM and DD mean two digits.

An XLSX date cell arrives as its Excel serial number (the workbook's own encoding of a
date, whatever the cell displays): in an XLSX source a serial number follows every layout.
" or an Excel date cell" after a layout says so in the registry, for the reader.
"""

from __future__ import annotations

DATE_LAYOUTS = {
    "YYYYMMDD": "[0-9]{8}",
    "YYYY-MM-DD": "[0-9]{4}-[0-9]{2}-[0-9]{2}",
    "YYYY/M/D": "[0-9]{4}/[1-9][0-9]?/[1-9][0-9]?",
}
DATETIME_LAYOUTS = {
    "YYYY-MM-DD HH:MM:SS": "[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}",
}
EXCEL_CELL = " or an Excel date cell"


def declared_layout(column_type: str, fmt: str | None) -> str | None:
    """The layout name a date/datetime column's format declares (None for other types).
    Raises ValueError for a date or date-time format this module does not know."""
    if column_type not in ("date", "datetime"):
        return None
    known = DATE_LAYOUTS if column_type == "date" else DATETIME_LAYOUTS
    name = (fmt or "").removesuffix(EXCEL_CELL)
    if name not in known:
        suffix = f" (optionally followed by {EXCEL_CELL.strip()!r})" if column_type == "date" else ""
        raise ValueError(
            f"a {column_type} column must declare its format as one of {', '.join(known)}{suffix}; got {fmt!r}"
        )
    return name


def layout_pattern(name: str) -> str:
    """The regex (RE2 and Python alike, matched against the whole cleaned text) of a layout."""
    return {**DATE_LAYOUTS, **DATETIME_LAYOUTS}[name]
