"""Masking in the engine: DuckDB macros and the SQL expression each 信息项 is read through.

    install_masks(con, counties)                        # macros + the value-pattern function
    masked_column(name, sensitivity, text=True/False)   # '"id_no"' → 'sh_mask_sensitive(…) AS "id_no"'

Whatever the gateway or an export hands out is selected through these expressions, so a masked
value never exists outside the engine: 敏感个人信息 and 个人信息 items by their mask
(sharing/sql/masks.sql, docs/masking.md#masks), every other text item by value pattern (an ID
number or mobile where none belongs), an item a grant names for clear delivery as it is.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

import duckdb
import pyarrow as pa

from govlake.pii import mask_shapes

from .published import NOT_PERSONAL, PERSONAL

MASKS_SQL = Path(__file__).with_name("sql") / "masks.sql"


def ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _mask_text_arrow(values: pa.Array) -> pa.Array:
    return pa.array([mask_shapes(v) if v else v for v in values.to_pylist()], pa.string())


def install_masks(con: duckdb.DuckDBPyConnection, counties: Iterable[str]) -> None:
    names = sorted(set(counties), key=len, reverse=True)  # 邹平市 before 邹平
    # a county-less city masks every address whole: a pattern that never matches
    pattern = "|".join(re.escape(c) for c in names) or "(?!)"
    con.create_function("sh_mask_text", _mask_text_arrow, ["VARCHAR"], "VARCHAR", type="arrow", null_handling="special")
    sql = MASKS_SQL.read_text(encoding="utf-8").replace("__COUNTIES__", pattern.replace("'", "''"))
    con.execute(sql)


def masked_column(name: str, sensitivity: str, text: bool, clear: bool = False) -> str:
    """The select-list entry for one item: its mask, under its own name."""
    column = ident(name)
    if clear:
        return column
    if sensitivity == NOT_PERSONAL:
        return f"sh_mask_shapes({column}) AS {column}" if text else column
    kind = "personal" if sensitivity == PERSONAL else "sensitive"  # an unknown sensitivity masks most
    return f"sh_mask_{kind}(CAST({column} AS VARCHAR)) AS {column}"
