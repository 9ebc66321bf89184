"""One named sheet of an .xlsx workbook -> raw Parquet.

openpyxl streams a sheet's XML, but its cell parser turns numbers into floats
and date-formatted cells into datetimes — not the stored text. So we keep
openpyxl for the workbook (its read-only ExcelReader: sheet lookup by name,
shared strings, date system, zip handling) and iterate the named sheet with a
WorkSheetParser subclass whose parse_cell returns the text stored in the cell:

* numbers as stored ("10874.08", "3"), date cells as their serial number text
  ("46253", relative to the workbook's date system, which the manifest notes),
* shared and inline strings as text, booleans as "0"/"1", errors as "#N/A",
* formulas: the cached result (data_only), the formula itself is not data,
* an empty cell: NULL.

What the sheet cannot say by its values is said in the file's notes (FileResult.notes:
the manifest, the ingest log's messages), naming the cells:

* a formula without a cached result (a workbook written by a tool that does not
  calculate, e.g. openpyxl, pandas) loads as empty. Loaded, not quarantined: the
  delivered cell holds no value, which is what the raw layer records; the row's other
  values are as delivered; and such workbooks lack every formula's value, so
  quarantining would refuse whole deliveries for how they were saved. The note names
  the cells so the steward can ask for the file saved by Excel; staging's required
  checks catch a missing required value either way.
* a merged range holds its value in its top-left cell only; the other cells of the
  range load as empty, as Excel stores them.

The workbook is a zip: it is opened through zipguard.GuardedZip, which rejects it
whole (archive_too_large) before decompressing a part whose declared size or ratio is
over the limits of ingest/limits.yaml, and while decompressing one past them.

The header is the first non-empty row. _row_no is the sheet row number minus the
header's, so it matches what a steward sees in Excel even when blank rows are
skipped (blank rows are not records; they are counted in the manifest). A row
with values beyond the header's last column is quarantined (too many fields).
Row-by-row Python is accepted here: the brief exempts XLSX (small monthly files).
"""

from __future__ import annotations

import json
import zipfile

from openpyxl.reader.excel import ExcelReader
from openpyxl.utils import coordinate_to_tuple, get_column_letter, range_boundaries
from openpyxl.worksheet._reader import FORMULA_TAG, INLINE_STRING, VALUE_TAG, WorkSheetParser
from openpyxl.xml.constants import SHEET_MAIN_NS

from ingest.limits import limits
from ingest.readers.base import FileUnreadable, ReadContext, check_header
from ingest.readers.json_array import Columns
from ingest.readers.zipguard import GuardedZip

_T = f"{{{SHEET_MAIN_NS}}}t"
_R = f"{{{SHEET_MAIN_NS}}}r"


def _inline_text(node) -> str:
    """Text of an inline string (<is>): its <t>, or its rich-text runs' <t>s in order
    (phonetic runs left out), as openpyxl's Text.content gives — without building
    openpyxl's descriptor objects, which cost 17 µs per cell."""
    t = node.find(_T)
    if t is not None:
        return t.text or ""
    return "".join(r.findtext(_T) or "" for r in node.findall(_R))


NOTE_CELLS = 20  # cells or ranges a note names before "… and N more"


def _listed(items: list[str]) -> str:
    more = f", … and {len(items) - NOTE_CELLS} more" if len(items) > NOTE_CELLS else ""
    return ", ".join(items[:NOTE_CELLS]) + more


class RawCellParser(WorkSheetParser):
    """WorkSheetParser yielding the stored text of each cell (see module doc); it
    remembers the cells holding a formula without a cached value."""

    uncached: list[str]

    def parse_cell(self, element):
        data_type = element.get("t", "n")
        coordinate = element.get("r")
        if coordinate:
            row, column = coordinate_to_tuple(coordinate)
            self.col_counter = column
        else:
            self.col_counter += 1
            row, column = self.row_counter, self.col_counter
        value = None
        if data_type == "inlineStr":
            child = element.find(INLINE_STRING)
            if child is not None:
                value = _inline_text(child)
        else:
            stored = element.findtext(VALUE_TAG, None)
            if stored is not None:
                value = self.shared_strings[int(stored)] if data_type == "s" else stored
            if not stored and element.find(FORMULA_TAG) is not None:
                self.uncached.append(coordinate or f"{get_column_letter(column)}{row}")
        if value is not None and not isinstance(value, str):
            value = str(value)  # rich-text shared strings
        return {"row": row, "column": column, "value": value, "data_type": data_type, "style_id": 0}


def _open_sheet(ctx: ReadContext) -> tuple[ExcelReader, str]:
    """The workbook (strings, date system) and the named sheet's part, without
    load_workbook: in read-only mode it sizes every sheet by parsing it whole
    when the sheet has no <dimension> (0.9 s of a 4.6 s read of 14k rows)."""
    try:
        archive = GuardedZip(ctx.path, limits().xlsx, ctx.result.name)  # sizes checked before anything is read
        reader = ExcelReader(ctx.path, read_only=True, data_only=True)
        reader.archive.close()
        reader.archive = archive
        reader.read_manifest()
        reader.read_strings()
        reader.read_workbook()
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError) as e:
        raise FileUnreadable(f"{ctx.file_name}: not a readable .xlsx workbook: {e}") from e
    parts = {sheet.name: rel for sheet, rel in reader.parser.find_sheets()}
    rel = parts.get(ctx.source.sheet)
    if rel is None or "chartsheet" in rel.Type or rel.target not in reader.valid_files:
        reader.archive.close()
        raise FileUnreadable(
            f"{ctx.file_name}: sheet {ctx.source.sheet!r} not found; the workbook has {', '.join(parts)}"
        )
    return reader, rel.target


def _rows(reader: ExcelReader, part: str, notes: list[str]):
    """(sheet row number, {column number: text}) for each row present in the XML; once
    the sheet is read through, its formulas without values and merged ranges in `notes`."""
    with reader.archive.open(part) as src:
        parser = RawCellParser(
            src,
            reader.shared_strings,
            data_only=True,
            epoch=reader.wb.epoch,
            date_formats=set(),
            timedelta_formats=set(),
        )
        parser.uncached = []
        for row_no, cells in parser.parse():
            yield row_no, {c["column"]: c["value"] for c in cells if c["value"] is not None}
    if parser.uncached:
        notes.append(
            f"{len(parser.uncached)} cell(s) hold a formula without a cached value (loaded as empty): "
            f"{_listed(parser.uncached)} — the workbook was saved without calculating; saved by Excel it would "
            "carry the values"
        )
    merged = [m.ref for m in parser.merged_cells.mergeCell] if parser.merged_cells else []
    merged.sort(key=lambda ref: range_boundaries(ref)[1::-1])  # reading order: by row, then column
    if merged:
        notes.append(
            f"merged range(s) {_listed(merged)}: only the top-left cell of each holds the value, "
            "the others load as empty"
        )


def read_xlsx(ctx: ReadContext) -> None:
    reader, part = _open_sheet(ctx)
    try:
        if reader.wb.epoch.year != 1899:
            ctx.result.notes.append(
                f"workbook uses the {reader.wb.epoch.year} date system: serials count from {reader.wb.epoch.date()}"
            )
        _read_sheet(ctx, _rows(reader, part, ctx.result.notes))
    finally:
        reader.archive.close()


def _read_sheet(ctx: ReadContext, rows) -> None:
    source, result = ctx.source, ctx.result
    header_row = None
    positions: dict[int, str] = {}  # column number -> canonical name
    width = 0
    cols = Columns(ctx)
    for sheet_row, cells in rows:
        values = {c: v for c, v in cells.items() if v != ""}
        if header_row is None:
            if not values:
                continue
            width = max(values)  # trailing empty (e.g. formatted) cells are not columns
            headers = [cells.get(c) or "" for c in range(1, width + 1)]
            mapping = check_header(source, ctx.file_name, headers)
            result.column_mapping = mapping
            positions = {i + 1: mapping[h] for i, h in enumerate(headers)}
            header_row = sheet_row
            continue
        if not values:
            result.blank_rows_skipped += 1
            continue
        row_no = sheet_row - header_row
        result.rows_read += 1
        extra = sorted(c for c in values if c > width)
        if extra:
            ctx.quarantine.add(
                reason="too_many_fields",
                detail=f"expected {width} columns, found values up to column {extra[-1]}",
                line=sheet_row,
                row_no=row_no,
                raw_text=json.dumps([cells.get(c) for c in range(1, max(cells) + 1)], ensure_ascii=False),
            )
            continue
        cols.add({positions[c]: cells.get(c) for c in positions}, row_no, sheet_row)
    cols.flush()
    if header_row is None:
        raise FileUnreadable(f"{ctx.file_name}: sheet {source.sheet!r} is empty — no header row")
