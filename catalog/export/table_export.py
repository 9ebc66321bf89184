"""The directory as the 目录编制 registration form: CSV and XLSX, one row per 信息项.

    write_csv(directory, out)      # out/directory.csv: UTF-8 with a BOM, so Excel reads Chinese
    write_xlsx(directory, out)     # out/directory.xlsx: header frozen, autofilter on

The columns and their Chinese headers are catalog/export/form.yaml. Every row carries the
directory version. A resource without 信息项 still has its row.

Text that a spreadsheet would take for a formula (starting with = + - @, a tab or a carriage
return) stays text: the XLSX stores every string as a string cell; the CSV, which has no cell
types, prefixes such a value with an apostrophe (govlake/spreadsheet.py, the rule OWASP's
CSV-injection guidance gives) — Excel then shows the text and evaluates nothing. The JSON
export carries the values unaltered.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

import yaml
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from catalog.export.files import replacing, write_bytes
from catalog.export.reader import TITLE, PublishedDirectory
from govlake.spreadsheet import defused

FORM = Path(__file__).with_name("form.yaml")
CSV_FILE, XLSX_FILE = "directory.csv", "directory.xlsx"
SHEET, ABOUT_SHEET = "信息资源目录", "目录版本"
MAX_WIDTH = 60  # characters; longer text wraps in the cell


@dataclass(frozen=True)
class Column:
    key: str
    zh: str
    en: str


@dataclass(frozen=True)
class Form:
    columns: list[Column]
    separator: str


def load_form(path: Path = FORM) -> Form:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    return Form([Column(**c) for c in raw["columns"]], raw["separator"])


def form_rows(directory: PublishedDirectory, form: Form) -> list[list]:
    """One row per 信息项, in the form's column order."""
    out = []
    for r in directory.resources:
        resource = {
            **r,
            "version": directory.version,
            "class_label": f"{r['class']} {r['class_name']}",
            "item_label": f"{r['item']} {r['item_name']}",
            "catalog_label": f"{r['catalog']} {r['catalog_name']}",
            "provider_names": form.separator.join(p["name"] for p in r["providers"]),
            "provider_usccs": form.separator.join(p["uscc"] for p in r["providers"]),
            "related": form.separator.join(r["related"]),
        }
        for item in r["items"] or [{}]:
            row = {**resource, **{f"item.{k}": v for k, v in item.items()}}
            # strict, so that a key form.yaml misspells fails here instead of emptying a column
            out.append([row[c.key] if item or not c.key.startswith("item.") else None for c in form.columns])
    return out


def write_csv(directory: PublishedDirectory, out: Path, form: Form | None = None) -> Path:
    form = form or load_form()
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow([c.zh for c in form.columns])
    writer.writerows([defused(v) for v in row] for row in form_rows(directory, form))
    return write_bytes(out / CSV_FILE, buf.getvalue().encode("utf-8-sig"))


def _cell(ws, value, font: Font | None = None, wrap: bool = False) -> WriteOnlyCell:
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)  # control characters openpyxl refuses
    c = WriteOnlyCell(ws, value=value)
    if isinstance(value, str):
        c.data_type = "s"  # text, never a formula
    if font:
        c.font = font
    if wrap:
        c.alignment = Alignment(wrap_text=True, vertical="top")
    return c


def _width(values) -> float:
    """Display width: a CJK character takes two columns."""
    widest = max((sum(2 if ord(ch) > 0x2E80 else 1 for ch in str(v)) for v in values if v is not None), default=0)
    return min(widest, MAX_WIDTH) + 2


def write_xlsx(directory: PublishedDirectory, out: Path, form: Form | None = None) -> Path:
    form = form or load_form()
    rows = form_rows(directory, form)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(SHEET)
    for n, col in enumerate(form.columns):
        ws.column_dimensions[get_column_letter(n + 1)].width = _width([col.zh, col.en, *(r[n] for r in rows)])
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(form.columns))}{len(rows) + 1}"
    bold = Font(bold=True)
    ws.append([_cell(ws, f"{c.zh}\n{c.en}", bold, wrap=True) for c in form.columns])
    for row in rows:
        ws.append([_cell(ws, v) for v in row])
    about = wb.create_sheet(ABOUT_SHEET)
    for label, value in (
        ("目录 directory", TITLE),
        ("目录版本 version", directory.version),
        ("版本发布时间 version published (UTC)", directory.version_published_at),
        ("导出时间 exported (UTC)", directory.exported_at),
        ("资源数 resources", len(directory.resources)),
        ("信息项数 items", directory.items),
    ):
        about.append([_cell(about, label, bold), _cell(about, value)])
    with replacing(out / XLSX_FILE) as tmp:
        wb.save(tmp)
    return out / XLSX_FILE
