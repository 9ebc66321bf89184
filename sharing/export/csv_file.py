"""An export as CSV: UTF-8 with a BOM (Excel reads the Chinese), formula-like text defused, and a
manifest beside it — a CSV has nowhere to carry its export id."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from govlake.spreadsheet import FORMULA_PATTERN

from .batches import write_batches
from .info import ExportInfo

BOM = "\ufeff".encode()
FORMULA_NOTE = "值以 = + - @ 制表符或回车开头时前加撇号 — formula-like text has a leading apostrophe"


def defuse_batch(batch: pa.RecordBatch) -> pa.RecordBatch:
    """Every text value a spreadsheet would evaluate, with a leading apostrophe (govlake/spreadsheet.py),
    in Arrow compute rather than a Python loop over a million rows."""
    columns = []
    for column in batch.columns:
        if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
            risky = pc.fill_null(pc.match_substring_regex(column, FORMULA_PATTERN), False)
            if pc.any(risky).as_py():
                column = pc.if_else(risky, pc.binary_join_element_wise("'", column, ""), column)
        columns.append(column)
    return pa.RecordBatch.from_arrays(columns, schema=batch.schema)


def write_csv(
    batches: Iterable[pa.RecordBatch], path: Path, info: ExportInfo, on_rows: Callable[[int], None] | None = None
) -> int:
    options = pacsv.WriteOptions(quoting_style="needed")
    with path.open("wb") as f:
        f.write(BOM)
        return write_batches(batches, lambda schema: pacsv.CSVWriter(f, schema, write_options=options), on_rows,
                             prepare=defuse_batch)  # fmt: skip


def manifest(info: ExportInfo, csv_name: str, rows: int, sha256: str) -> bytes:
    """The manifest beside the CSV: who, under which grant, for what; its rows and checksum; each
    column masked or clear."""
    doc = {
        "export_id": info.export_id,
        "file": csv_name,
        "sha256": sha256,
        "rows": rows,
        "resource": {"code": info.resource.code, "title": info.resource.title},
        "consumer": info.consumer,
        "grant": info.grant_id,
        "basis": info.basis,
        "purpose": info.purpose,
        "created_by": info.created_by,
        "created_at": info.created_at.isoformat(timespec="seconds"),
        "columns": [
            {"name": c.name, "name_zh": c.name_zh, "sensitivity": c.sensitivity, "masked": c.masked}
            for c in info.columns
        ],
        "formula_text": FORMULA_NOTE,
    }
    return (json.dumps(doc, ensure_ascii=False, indent=1) + "\n").encode("utf-8")
