"""What an XLSX sheet cannot say by its values is said in the file's notes (issue 12,
item 8): the cells holding a formula without a cached value and the merged ranges,
named in the manifest and the ingest log's messages. Such rows load (xlsx.py says why)."""

from __future__ import annotations

import io
import json

import ingest
from govlake.registry import load_registry
from tests.lake_fixtures import make_batch, read_raw

SOURCE = load_registry().sources["mzj.marriage_register"]
BATCH = "2026-10-01"
NAME = "hydj_202610.xlsx"


def _workbook(rows: list[list], merge: list[str] = ()) -> bytes:
    """A sheet of the source's columns; a value "=…" is stored as a formula, which
    openpyxl (as any tool that does not calculate) saves without a cached value."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = SOURCE.sheet
    ws.append(list(SOURCE.headers))
    for r in rows:
        ws.append(r)
    for ref in merge:
        ws.merge_cells(ref)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _row(i: int) -> list[str]:
    return [f"{h}-{i}" for h in SOURCE.headers]


def _ingest(lake, landing, data: bytes):
    d = make_batch(landing, SOURCE.id, BATCH, {NAME: data})
    r = ingest.ingest_batch(SOURCE, d, lake)
    assert r.status == "loaded", r.messages
    manifest = json.loads((lake.raw_partition(SOURCE.id, BATCH) / "_manifest.json").read_text(encoding="utf-8"))
    [notes] = [f["notes"] for f in manifest["files"]]
    return r, notes


def test_formulas_without_a_cached_value_are_named_in_a_note_and_load_as_empty(lake, landing):
    rows = [_row(i) for i in range(1, 5)]
    rows[1][3] = "=1+1"  # D3
    rows[3][3] = "=SUM(1,2)"  # D5
    r, notes = _ingest(lake, landing, _workbook(rows))

    [note] = [n for n in notes if "formula" in n]
    assert note.startswith("2 cell(s) hold a formula without a cached value (loaded as empty): D3, D5")
    assert any(note in m for m in r.messages)
    loaded = read_raw(lake, SOURCE.id, BATCH)
    column = SOURCE.column_names[3]
    assert [row[column] for row in loaded] == [rows[0][3], "", rows[2][3], ""]  # openpyxl stores <v></v>


def test_merged_ranges_are_named_in_a_note(lake, landing):
    rows = [_row(i) for i in range(1, 6)]
    r, notes = _ingest(lake, landing, _workbook(rows, merge=["A3:A5", "B2:C2"]))

    [note] = [n for n in notes if "merged" in n]
    assert note == (
        "merged range(s) B2:C2, A3:A5: only the top-left cell of each holds the value, the others load as empty"
    )
    assert any(note in m for m in r.messages)
    column = SOURCE.column_names[0]
    assert [row[column] for row in read_raw(lake, SOURCE.id, BATCH)] == [rows[0][0], rows[1][0], None, None, rows[4][0]]


def test_a_long_list_of_cells_is_cut_short_with_a_count(lake, landing):
    rows = [_row(i) for i in range(1, 31)]
    for r in rows:
        r[3] = "=1+1"
    _, notes = _ingest(lake, landing, _workbook(rows))

    [note] = [n for n in notes if "formula" in n]
    assert note.startswith("30 cell(s)") and "D21, … and 10 more" in note


def test_a_workbook_with_values_only_has_no_such_notes(lake, landing):
    _, notes = _ingest(lake, landing, _workbook([_row(1), _row(2)]))

    assert not [n for n in notes if "formula" in n or "merged" in n]
