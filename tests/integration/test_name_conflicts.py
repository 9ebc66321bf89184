"""Names against the authority in every source, under real ingestion, dbt and the quality run.

A clean generated city (1,000 persons, seed 21, no injected defects: every delivered name
agrees with the base library) has, in the largest delivery of four sources whose names were
not compared before, a few names changed before ingestion:
  differs     the last character replaced: a different name, so a conflict
  formatted   an ideographic space inside and ASCII turned full-width: the same name
              written differently, so no conflict
The four cover a person's name (卫健 death record, 市场监管's legal representative), an
enterprise's (应急 hazard enterprises, XLSX) and a party's (patent applicants). The city is
built once for the module.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from govlake.registry import load_registry
from govlake.registry.names import name_pairs
from govlake.settings import Lake
from transform.dbt_runner import run_dbt

pytestmark = pytest.mark.slow

PERSONS, SEED = 1000, 21
EDITED = (
    ("wjw.death_record", "name"),
    ("scjg.enterprise_register", "legal_rep_name"),
    ("scjg.patent", "applicant_name"),
    ("yjj.hazard_enterprise", "name"),
)
ROWS_EACH = 2  # data rows per file and kind of edit


@dataclass(frozen=True)
class Edit:
    source: str
    column: str
    code_column: str
    batch: str
    code: str
    original: str
    delivered: str
    kind: str  # differs | formatted


def _differs(name: str) -> str:
    return name[:-1] + ("甲" if name[-1] != "甲" else "乙")


def _formatted(name: str) -> str:
    wide = "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in name)
    return wide[0] + "\u3000" + wide[1:]


def _edit_rows(rows: list[list], header: list, source: str, column: str, code_column: str, batch: str) -> list[Edit]:
    """Change the name of the first rows that have a name and a code, in place."""
    src = load_registry().source(source)
    i, j = header.index(src.column(column).header), header.index(src.column(code_column).header)
    candidates = [r for r in rows if r[i] and r[j]]
    edits = []
    for n, row in enumerate(candidates[: 2 * ROWS_EACH]):
        kind = "differs" if n < ROWS_EACH else "formatted"
        new = _differs(row[i]) if kind == "differs" else _formatted(row[i])
        edits.append(Edit(source, column, code_column, batch, str(row[j]), row[i], new, kind))
        row[i] = new
    assert len(edits) == 2 * ROWS_EACH, (source, len(candidates))
    return edits


def _edit_csv(path: Path, encoding: str, *args) -> list[Edit]:
    text = path.read_bytes().decode("utf-8" if encoding == "utf-8-sig" else encoding)
    bom = text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline="")))
    edits = _edit_rows(rows[1:], rows[0], *args)
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n" if "\r\n" in text else "\n").writerows(rows)
    path.write_bytes((("\ufeff" if bom else "") + out.getvalue()).encode("utf-8" if bom else encoding))
    return edits


def _edit_xlsx(path: Path, sheet: str, *args) -> list[Edit]:
    from openpyxl import load_workbook

    wb = load_workbook(path)
    ws = wb[sheet]
    header = [c.value for c in ws[1]]
    cells = [list(r) for r in ws.iter_rows(min_row=2)]
    rows = [[c.value for c in r] for r in cells]
    edits = _edit_rows(rows, header, *args)
    for cell_row, values in zip(cells, rows):
        for cell, value in zip(cell_row, values):
            if cell.value != value:
                cell.value = value
    wb.save(path)
    return edits


@dataclass
class City:
    lake: Lake
    edits: list[Edit]

    def q(self, sql: str, params=None) -> list[tuple]:
        con = duckdb.connect(str(self.lake.warehouse), read_only=True)
        try:
            return con.execute(sql, params or []).fetchall()
        finally:
            con.close()

    def observable(self, kind: str) -> list[Edit]:
        """Edits of `kind` whose code finds a golden person or enterprise."""
        golden = {r[0] for r in self.q("SELECT person_id FROM base.base_population__person")}
        golden |= {r[0] for r in self.q("SELECT uscc FROM base.base_legal_entity__enterprise")}
        return [e for e in self.edits if e.kind == kind and e.code in golden]


@pytest.fixture(scope="module")
def city(tmp_path_factory) -> City:
    from ingest import ingest_landing
    from quality.runner import run_quality
    from synth import generate_city

    root = tmp_path_factory.mktemp("name_conflicts")
    landing, lake = root / "landing", Lake(root / "lake")
    generate_city(landing, persons=PERSONS, seed=SEED, defect_rate=0.0)
    registry, pairs = load_registry(), {(p.source, p.column): p for p in name_pairs(load_registry())}
    edits = []
    for source_id, column in EDITED:
        source, pair = registry.source(source_id), pairs[(source_id, column)]
        # the largest delivery of the source, for rows enough
        path = max((landing / source_id).glob("*/*.*"), key=lambda p: p.stat().st_size)
        args = (source_id, column, pair.code, path.parent.name)
        if source.format == "xlsx":
            edits += _edit_xlsx(path, source.sheet, *args)
        else:
            edits += _edit_csv(path, source.encoding, *args)
    ingest_landing(landing, lake)
    built = run_dbt(lake, "build", quiet=True)
    assert built.success, built.as_dict()
    run_quality(lake)
    return City(lake, edits)


def _name_observations(city: City) -> set[tuple]:
    return set(
        city.q(
            "SELECT other_source, other_column, _batch, other_value, authoritative_value "
            "FROM base.base_conflicts__observation WHERE rule = 'name_mismatch'"
        )
    )


def test_a_name_differing_from_the_authority_is_observed_in_each_source(city):
    expected = {(e.source, e.column, e.batch, e.delivered, e.original) for e in city.observable("differs")}
    assert {(e.source, e.column) for e in city.observable("differs")} == set(EDITED)
    # the rest of the city agrees with its base library: these are all the name conflicts
    assert _name_observations(city) == expected


def test_a_name_equal_to_the_authority_after_normalisation_is_not_a_conflict(city):
    formatted = city.observable("formatted")
    assert {(e.source, e.column) for e in formatted} == set(EDITED)
    for e in formatted:
        model = f"staging.stg_{e.source.replace('.', '__')}"
        staged = city.q(f"SELECT 1 FROM {model} WHERE _batch = ? AND {e.column} = ?", [e.batch, e.delivered])
        assert staged, e  # staged as delivered, not cleaned into agreement
    assert not {o[3] for o in _name_observations(city)} & {e.delivered for e in formatted}


def test_each_name_conflict_is_routed_to_the_department_of_its_copy(city):
    rows = city.q(
        "SELECT other_source, other_column, other_department FROM base.base_conflicts__conflict "
        "WHERE rule = 'name_mismatch'"
    )
    assert {(s, c) for s, c, _ in rows} == set(EDITED)
    assert all(d == s.split(".")[0] for s, _, d in rows)


def test_each_name_conflict_is_a_consistency_finding_on_its_column_masked_as_the_column_requires(city):
    found = city.q(
        "SELECT rule_id, batch, observed, severity FROM quality.violations "
        "WHERE rule_id LIKE 'consistency.name_mismatch.%'"
    )
    expected = sorted((f"consistency.name_mismatch.{e.source}.{e.column}", e.batch) for e in city.observable("differs"))
    assert sorted((r, b) for r, b, _, _ in found) == expected
    assert {s for *_, s in found} == {"warning"}
    observed = {r: o for r, _, o, _ in found}
    person = observed["consistency.name_mismatch.wjw.death_record.name"]
    assert person[1:] == "*" * (len(person) - 1)  # a person's name keeps its first character
    enterprise_names = {e.delivered for e in city.edits if e.source == "yjj.hazard_enterprise"}
    assert observed["consistency.name_mismatch.yjj.hazard_enterprise.name"] in enterprise_names


def test_every_pair_of_the_registry_is_compared_in_the_built_conflict_model(city):
    compiled = next((city.lake.home / "dbt" / "target" / "compiled").rglob("base_conflicts__observation.sql"))
    sql = compiled.read_text(encoding="utf-8")
    for pair in name_pairs(load_registry()):
        assert f"'{pair.source}' as other_source,\n        '{pair.column}' as other_column" in sql, pair
