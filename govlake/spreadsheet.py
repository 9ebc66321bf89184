"""Text a spreadsheet must not evaluate: the CSV-injection rule every export of the lake follows.

A value starting with = + - @, a tab or a carriage return is taken for a formula by Excel and
LibreOffice when a CSV is opened (OWASP, "CSV Injection"). Such a value is written with a
leading apostrophe: the spreadsheet then shows the text and evaluates nothing. Used by the
directory's 目录编制 form (catalog/export) and the masked exports (sharing/export).
"""

from __future__ import annotations

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# the same rule as a regular expression, for vectorised use (pyarrow.compute, DuckDB)
FORMULA_PATTERN = "^[=+@\\-\\t\\r]"


def defused(value):
    """`value`, with a leading apostrophe when it is text a spreadsheet would take for a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value
