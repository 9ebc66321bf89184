"""The registry's format of a date or date-time column is enforced (一标准), on a generated city.

One city of 1,500 persons (seed 5) without defects. Before ingestion, for every date and
date-time column of the registry and every other layout staging reads, one delivered value
of that column is rewritten in that layout (the same day or moment) in the landing file
(CSV in its encoding, XLSX as a text cell, JSON Lines). Then one ingestion, one dbt build and
one quality run; each case reads their results: the value is staged as what it says and
flagged off_layout, and conformity.declared_layout.<source>.<column> reports it as a warning
with the text found. The columns come from the registry, the expected values from the Python
oracle (tests/integration/staging_oracle.py).
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import duckdb
import pytest

from govlake.registry import Column, Source, load_registry
from govlake.settings import Lake
from govlake.staging_contract import model_name
from quality.masking import mask_kind
from tests.integration import staging_oracle as oracle
from transform.dbt_runner import run_dbt

pytestmark = pytest.mark.slow

PERSONS, SEED = 1500, 5

# Representatives of every layout staging reads (dbt_project/macros/typing/dates.sql), named as the
# registry would declare them; a day with a one-digit month or day tells them all apart.
DATE_LAYOUTS = {
    "YYYYMMDD": lambda d: d.strftime("%Y%m%d"),
    "YYYY-MM-DD": lambda d: d.strftime("%Y-%m-%d"),
    "YYYY-M-D": lambda d: f"{d.year}-{d.month}-{d.day}",
    "YYYY/MM/DD": lambda d: d.strftime("%Y/%m/%d"),
    "YYYY/M/D": lambda d: f"{d.year}/{d.month}/{d.day}",
    "YYYY.MM.DD": lambda d: d.strftime("%Y.%m.%d"),
    "YYYY.M.D": lambda d: f"{d.year}.{d.month}.{d.day}",
}
DATETIME_LAYOUTS = {
    "YYYY-MM-DD HH:MM:SS": lambda t: t.strftime("%Y-%m-%d %H:%M:%S"),
    "YYYY-MM-DDTHH:MM:SS": lambda t: t.strftime("%Y-%m-%dT%H:%M:%S"),
    "YYYY-MM-DD HH:MM": lambda t: t.strftime("%Y-%m-%d %H:%M"),
    "YYYY-MM-DD HH:MM:SS.f": lambda t: t.strftime("%Y-%m-%d %H:%M:%S") + ".5",
}


def _other_layouts(column: Column) -> list[str]:
    layouts = DATE_LAYOUTS if column.type == "date" else DATETIME_LAYOUTS
    assert column.layout in layouts, f"no representative of {column.layout} here"
    return [name for name in layouts if name != column.layout]


CASES = [
    (s.id, c.name, layout)
    for s in load_registry().sources.values()
    for c in s.columns
    if c.layout
    for layout in _other_layouts(c)
]


@dataclass
class Rewrite:
    batch: str
    file: str
    text: str  # the value as rewritten


@dataclass
class City:
    lake: Lake
    rewrites: dict[tuple[str, str, str], Rewrite]
    con: duckdb.DuckDBPyConnection

    def q(self, sql: str, params=None) -> list[tuple]:
        return self.con.execute(sql, params or []).fetchall()


# --- rewriting delivered values -------------------------------------------------------------
def _parse(column: Column, value) -> date | datetime | None:
    """The day or moment a delivered value names (XLSX cells may be dates), if its month or day has
    one digit: then the layouts with and without leading zeros differ."""
    if isinstance(value, datetime):
        value = value if column.type == "datetime" else value.date()
    elif isinstance(value, str):
        parse = oracle.to_date(value, excel_serial=False) if column.type == "date" else oracle.to_timestamp(value)
        value = parse[0]
    else:
        return None
    return value if value is not None and (value.month < 10 or value.day < 10) else None


class Delivery:
    """One landed file, read into rows of cells, rewritten in place on save."""

    def __init__(self, source: Source, path: Path) -> None:
        self.source, self.path = source, path
        if source.format == "csv":
            raw = path.read_bytes()
            self.newline = "\r\n" if b"\r\n" in raw else "\n"
            rows = list(csv.reader(io.StringIO(raw.decode(source.encoding))))
            self.header, self.rows = rows[0], rows[1:]
        elif source.format == "jsonl":
            self.rows = [json.loads(line) for line in path.read_text(encoding=source.encoding).splitlines()]
        elif source.format == "xlsx":
            from openpyxl import load_workbook

            self.book = load_workbook(path)
            self.sheet = self.book[source.sheet]
            self.header = [c.value for c in self.sheet[1]]
            self.rows = list(self.sheet.iter_rows(min_row=2))
        else:
            raise AssertionError(f"no rewriter for {source.format}; a new format needs one here")

    def get(self, i: int, column: Column):
        if self.source.format == "jsonl":
            return self.rows[i].get(column.header)
        cell = self.rows[i][self.header.index(column.header)]
        return cell.value if self.source.format == "xlsx" else cell

    def set(self, i: int, column: Column, text: str) -> None:
        if self.source.format == "jsonl":
            self.rows[i][column.header] = text
        elif self.source.format == "xlsx":
            cell = self.rows[i][self.header.index(column.header)]
            cell.value, cell.number_format = text, "@"
        else:
            self.rows[i][self.header.index(column.header)] = text

    def save(self) -> None:
        if self.source.format == "csv":
            out = io.StringIO()
            csv.writer(out, lineterminator=self.newline).writerows([self.header, *self.rows])
            self.path.write_bytes(out.getvalue().encode(self.source.encoding))
        elif self.source.format == "jsonl":
            lines = [json.dumps(r, ensure_ascii=False) for r in self.rows]
            self.path.write_text("\n".join(lines) + "\n", encoding=self.source.encoding)
        else:
            self.book.save(self.path)


def _rewrite_landing(landing: Path) -> dict[tuple[str, str, str], Rewrite]:
    registry, out = load_registry(), {}
    for source in registry.sources.values():
        cases = [(c, layout) for c in source.columns if c.layout for layout in _other_layouts(c)]
        if not cases:
            continue
        used: set[tuple[Path, int, str]] = set()
        for path in sorted(landing.glob(f"{source.id}/*/*.*")):
            if not cases:
                break
            delivery = Delivery(source, path)
            for i in range(len(delivery.rows)):
                for case in list(cases):
                    column, layout = case
                    when = (path, i, column.name) not in used and _parse(column, delivery.get(i, column))
                    if when:
                        render = (DATE_LAYOUTS if column.type == "date" else DATETIME_LAYOUTS)[layout]
                        delivery.set(i, column, render(when))
                        out[(source.id, column.name, layout)] = Rewrite(path.parent.name, path.name, render(when))
                        used.add((path, i, column.name))
                        cases.remove(case)
            delivery.save()
        assert not cases, f"{source.id}: no delivered value left to rewrite for {cases}"
    return out


@pytest.fixture(scope="module")
def city(tmp_path_factory) -> City:
    from ingest import ingest_landing
    from quality.runner import run_quality
    from synth import generate_city

    root = tmp_path_factory.mktemp("layouts")
    landing, lake = root / "landing", Lake(root / "lake")
    generate_city(landing, persons=PERSONS, seed=SEED, defect_rate=0.0)
    rewrites = _rewrite_landing(landing)
    ingest_landing(landing, lake)
    built = run_dbt(lake, "build", quiet=True)
    assert built.success, built.as_dict()
    run_quality(lake)
    con = duckdb.connect(str(lake.warehouse), read_only=True)
    yield City(lake, rewrites, con)
    con.close()


def _raw_row(city: City, source: Source, column: Column, rewrite: Rewrite) -> int:
    """The rewritten record's _row_no, found in raw by its text (no other value of the column has it)."""
    rows = city.q(
        f"select _row_no from read_parquet('{city.lake.raw}/{source.id}/batch={rewrite.batch}/*.parquet') "
        f"where _file = ? and {column.name} = ?",
        [rewrite.file, rewrite.text],
    )
    assert len(rows) == 1, rows
    return rows[0][0]


# --- the acceptance cases ---------------------------------------------------------------------
@pytest.mark.parametrize("source_id, column_name, layout", CASES)
def test_a_value_off_its_declared_layout_is_staged_and_reported_as_a_layout_warning(
    city, source_id, column_name, layout
):
    source = load_registry().source(source_id)
    column = source.column(column_name)
    rewrite = city.rewrites[(source_id, column_name, layout)]
    row_no = _raw_row(city, source, column, rewrite)

    staged = city.q(
        f"select {column.name}, {column.name}_flag from staging.{model_name(source)} "
        "where _batch = ? and _file = ? and _row_no = ?",
        [rewrite.batch, rewrite.file, row_no],
    )
    want = oracle.expected(column.type, rewrite.text, excel_serial=False, batch=rewrite.batch, city=None)[0]
    assert want is not None and staged == [(want, "off_layout")]

    found = city.q(
        "select severity, dimension, observed from quality.violations "
        "where rule_id = ? and batch = ? and _file = ? and _row_no = ?",
        [f"conformity.declared_layout.{source.id}.{column.name}", rewrite.batch, rewrite.file, row_no],
    )
    assert mask_kind(source, column) is None  # dates are shown as found
    assert found == [("warning", "conformity", rewrite.text)]


def test_values_in_their_declared_layouts_raise_no_layout_warning(city):
    """Only the rewritten values are reported: the rest of the city delivers dates as declared
    (XLSX date cells included)."""
    reported = city.q("select count(*) from quality.violations where rule_id like 'conformity.declared_layout.%'")
    assert reported == [(len(CASES),)]
