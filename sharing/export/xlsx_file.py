"""An export as XLSX: one sheet of rows (every text a string cell, formula-like text defused), a
说明 sheet naming the export and each column masked or clear, and the export's keys in the
workbook's document properties (identifier = the export id; one custom property per key)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from datetime import datetime, time
from pathlib import Path

import pyarrow as pa
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.packaging.custom import StringProperty
from openpyxl.styles import Font

from govlake.spreadsheet import defused

from .info import ExportInfo

SHEET, ABOUT_SHEET = "数据", "说明"
MAX_ROWS = 1_048_575  # a sheet's 1,048,576 rows, less the header


class TooManyRows(ValueError):
    """More rows than one sheet holds."""


def _value(value):
    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub("", defused(value))  # control characters openpyxl refuses
    if isinstance(value, (datetime, time)) and value.tzinfo is not None:
        return value.isoformat()  # Excel has no time zones: keep the offset as text
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False, default=str)
    return value


def _cell(ws, value, font: Font | None = None) -> WriteOnlyCell:
    c = WriteOnlyCell(ws, value=_value(value))
    if isinstance(c.value, str):
        c.data_type = "s"  # text, never a formula
    if font:
        c.font = font
    return c


def write_xlsx(
    batches: Iterable[pa.RecordBatch], path: Path, info: ExportInfo, on_rows: Callable[[int], None] | None = None
) -> int:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(SHEET)
    bold = Font(bold=True)
    ws.freeze_panes = "A2"
    rows, header = 0, False
    for batch in batches:
        if not header:
            ws.append([_cell(ws, name, bold) for name in batch.schema.names])
            header = True
        if rows + batch.num_rows > MAX_ROWS:
            raise TooManyRows(f"XLSX 单表最多 {MAX_ROWS:,} 行 — more rows than a sheet holds: use csv or parquet")
        for row in zip(*(c.to_pylist() for c in batch.columns), strict=True):
            ws.append([_cell(ws, v) for v in row])
        rows += batch.num_rows
        if on_rows:
            on_rows(batch.num_rows)
    _about(wb.create_sheet(ABOUT_SHEET), info, rows, bold)
    _properties(wb, info)
    wb.save(path)
    return rows


def _about(ws, info: ExportInfo, rows: int, bold: Font) -> None:
    meta = info.metadata()
    for key, value in [*meta.items(), ("rows", rows)]:
        ws.append([_cell(ws, key, bold), _cell(ws, value)])
    ws.append([])
    ws.append([_cell(ws, h, bold) for h in ("信息项 item", "名称 name", "敏感程度 sensitivity", "交付 delivered")])
    for c in info.columns:
        delivered = "脱敏 masked" if c.masked else "明文 clear"
        ws.append([_cell(ws, v) for v in (c.name, c.name_zh, c.sensitivity, delivered)])


def _properties(wb: Workbook, info: ExportInfo) -> None:
    p = wb.properties
    p.identifier = info.export_id
    p.title = f"{info.resource.code} {info.resource.title}"
    p.subject = info.resource.code
    p.creator = "govlake"
    p.description = f"共享导出 {info.export_id}: {info.consumer}, {info.basis}, 用途 {info.purpose}"
    p.keywords = f"govlake.export_id={info.export_id}"
    for key, value in info.metadata().items():
        wb.custom_doc_props.append(StringProperty(name=key, value=value or "-"))
