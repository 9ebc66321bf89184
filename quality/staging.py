"""How the quality SQL reads a source in the warehouse: model, columns, record key, values.

The staging models' shape is derived from the registry by govlake.staging_contract (the same rules
the dbt integration test holds the models to), so these expressions follow it rather than
guess: which registry column has `<col>_delivered` and `<col>_flag`, which is typed.
"""

from __future__ import annotations

from govlake.registry import Column, Source
from govlake.staging_contract import IDENTIFIER_CHECKS, TYPES, column_kind, model_name

DELIVERED_KINDS = ("party_code", *IDENTIFIER_CHECKS, "region")  # have <col>_delivered and <col>_flag
REJECTED = "_q_rejected"  # this run's rows of staging.stg_rejected, one temp table (runner.py)


def relation(source: Source) -> str:
    return f"staging.{model_name(source)}"


def kind(column: Column) -> str:
    return column_kind(column)


def has_delivered(column: Column) -> bool:
    return kind(column) in DELIVERED_KINDS


def has_flag(column: Column) -> bool:
    return kind(column) in DELIVERED_KINDS or kind(column) in TYPES or kind(column) == "geometry"


def is_typed(column: Column) -> bool:
    """Typed in staging (date, number): a value that failed typing is NULL there."""
    return kind(column) in TYPES


def present(column: Column, alias: str = "s") -> str:
    """The value was delivered (not blank). A typed value that failed to parse is NULL
    with a flag, so the flag counts as delivered too."""
    if has_flag(column) and not has_delivered(column):
        return f"({alias}.{column.name} IS NOT NULL OR {alias}.{column.name}_flag IS NOT NULL)"
    return f"({alias}.{column.name} IS NOT NULL)"


def count_present(column: Column, alias: str = "s") -> str:
    """An aggregate: the rows whose value was delivered, as present() says. Where present() is
    the column's own IS NOT NULL this is count(column), which DuckDB answers from the validity
    mask; count(*) FILTER (WHERE ...) evaluated a filter per row and aggregate, 2.6 times as
    long over the 1M-person city's staging models (bench/README.md, "Issue 13")."""
    if has_flag(column) and not has_delivered(column):
        return f"count({present(column, alias)} OR NULL)"
    return f"count({alias}.{column.name})"


def observed(column: Column, alias: str = "s") -> str:
    """The value as the department delivered it, where staging keeps it, else as staged."""
    if has_delivered(column):
        return f"{alias}.{column.name}_delivered"
    return f"CAST({alias}.{column.name} AS VARCHAR)"


def key_part(column: Column, alias: str = "s") -> str:
    """One key column as the truth file and stg_rejected write it: the cleaned delivered
    text (a 15-digit or lower-case-x ID number stays as delivered), dates as ISO text."""
    if has_delivered(column):
        return f"q_clean({alias}.{column.name}_delivered)"
    return f"CAST({alias}.{column.name} AS VARCHAR)"


def record_key(source: Source, alias: str = "s") -> str:
    parts = ", ".join(f"coalesce({key_part(source.column(k), alias)}, '')" for k in source.key)
    return f"concat_ws('|', {parts})"


def rejected_record_key(source: Source, alias: str = "r") -> str:
    """stg_rejected's record_key with date keys written as ISO dates, as in the truth file
    (an XLSX date cell arrives as its serial number)."""
    if not any(kind(source.column(k)) == "date" for k in source.key):
        return f"{alias}.record_key"
    excel = "true" if source.format == "xlsx" else "false"
    parts = []
    for i, k in enumerate(source.key, start=1):
        part = f"split_part({alias}.record_key, '|', {i})"
        parts.append(f"q_key_date({part}, {excel})" if kind(source.column(k)) == "date" else part)
    return f"concat_ws('|', {', '.join(parts)})"
