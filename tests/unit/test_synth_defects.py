"""Injected defects: every kind occurs, is listed in the truth file, and the listed line
really holds it (checked by re-reading the delivered file, not by trusting the generator).
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections import Counter, defaultdict
from datetime import datetime

import pytest
from synth_landing import as_text

from govlake.identifiers import (
    id_card_gender,
    is_valid_id_card,
    is_valid_licence_id,
    is_valid_patent_no,
    is_valid_uscc,
)
from govlake.registry.layouts import layout_pattern
from synth import generate_city
from tests.integration import staging_oracle as oracle

RATE = 0.02
KINDS = {
    "bad_check_digit",
    "legacy_15_digit_id",
    "lowercase_x",
    "birth_date_vs_id",
    "gender_vs_id",
    "retired_region_code",
    "unknown_region_code",
    "blank_required",
    "code_not_in_list",
    "out_of_range",
    "impossible_date",
    "off_layout",
    "duplicate_key",
    "name_mismatch",
    "dead_person_paid",
    "deregistered_with_valid_licence",
    "taxpayer_active_but_deregistered",
    "undecodable_bytes",
    "short_row",
    "extra_column",
    "missing_column",
}
CHECKS = {
    "id_card": is_valid_id_card,
    "uscc": is_valid_uscc,
    "licence_id": is_valid_licence_id,
    "patent_no": is_valid_patent_no,
}


@pytest.fixture(scope="module")
def city(tmp_path_factory):
    out = tmp_path_factory.mktemp("defects") / "landing"
    summary = generate_city(out, persons=1500, seed=11, defect_rate=RATE)
    with open(summary.truth_path, encoding="utf-8", newline="") as fh:
        truth = list(csv.DictReader(fh))
    return out, summary, truth


class Line:
    """One physical line of a delivered file, parsed the way its format is documented."""

    def __init__(self, out, registry, t):
        self.src = registry.sources[t["source"]]
        self.path = out / t["source"] / t["batch"] / t["file"]
        self.no = int(t["line"])
        fmt = self.src.format
        self.by_name = {c.name: c.header for c in self.src.columns}
        self.headers: list[str] = []
        self.fields: list = []
        self.raw = b""
        if fmt == "csv":
            lines = self.path.read_bytes().split(b"\r\n")
            enc = self.src.encoding
            self.header_raw = lines[0].decode(enc).lstrip("\ufeff")
            self.headers = next(csv.reader([self.header_raw]))
            self.raw = lines[self.no - 1]
            self.lines = lines
        elif fmt == "xlsx":
            from openpyxl import load_workbook

            wb = load_workbook(self.path, read_only=True)
            rows = list(wb[self.src.sheet].iter_rows(values_only=True))
            wb.close()
            self.headers = list(rows[0])
            # a read-only sheet drops trailing empty cells
            self.fields = list(rows[self.no - 1]) + [None] * (len(self.headers) - len(rows[self.no - 1]))
            self.rows = rows
        else:
            lines = self.path.read_text(encoding="utf-8").split("\n")
            obj = json.loads(lines[self.no - 1].rstrip(","))
            if fmt == "geojson":
                obj = obj["properties"]
            self.obj = obj
            self.lines = lines

    def csv_fields(self):
        return next(csv.reader([self.raw.decode(self.src.encoding)]))

    def value(self, name):
        header = self.by_name[name]
        if self.src.format == "csv":
            fields = self.csv_fields()
            return fields[self.headers.index(header)]
        if self.src.format == "xlsx":
            return self.fields[self.headers.index(header)]
        return self.obj[header]

    def key(self):
        return "|".join(as_text(self.value(k)) for k in self.src.key)


def test_every_kind_occurs_and_is_listed(city):
    _, summary, truth = city
    kinds = Counter(t["kind"] for t in truth)
    assert set(kinds) == KINDS
    assert summary.defects == len(truth)
    checked = {t["column"] for t in truth if t["kind"] == "bad_check_digit"}
    # one of each identifier family: ID number, USCC, licence id, patent number
    assert {"licence_id", "application_no"} <= checked
    assert checked & {"id_no", "man_id_no", "woman_id_no", "head_id_no", "mother_id_no"}
    assert checked & {"uscc", "employer_uscc", "authority_uscc", "issuer_uscc"}


def test_defects_come_at_about_the_requested_rate(city):
    _, summary, truth = city
    record_level = [t for t in truth if t["kind"] not in ("extra_column", "missing_column")]
    assert 0.4 * RATE * summary.rows < len(record_level) < 2.5 * RATE * summary.rows


def test_truth_line_holds_the_defect(city, registry):
    out, _, truth = city
    current = set(registry.city.current_codes)
    known = {r.code for r in registry.city.regions}
    deaths = {}
    for path in sorted((out / "wjw.death_record").glob("*/*.csv")):
        for row in list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))[1:]:
            if len(row) >= 3:
                deaths[row[0]] = row[2]
    for t in truth:
        kind = t["kind"]
        line = Line(out, registry, t)
        src = line.src
        where = (t["source"], t["batch"], t["file"], t["line"], kind)
        if kind in ("extra_column", "missing_column"):
            assert t["line"] == "1" and t["record_key"] == ""
            headers = line.headers
            expected = [c.header for c in src.columns]
            if kind == "extra_column":
                assert headers == expected + [t["column"]], where
            else:
                missing = src.column(t["column"]).header
                assert headers == [h for h in expected if h != missing], where
            continue
        if kind == "undecodable_bytes":
            with pytest.raises(UnicodeDecodeError):
                line.raw.decode(src.encoding)
            assert b"\xff" in line.raw
            repaired = line.raw.replace(b"\xff", b"").decode(src.encoding)
            assert t["original"] in next(csv.reader([repaired])), where
            continue
        if kind == "short_row":
            assert len(line.csv_fields()) == len(line.headers) - 1, where
            continue
        assert line.key() == t["record_key"], where
        if kind == "duplicate_key":
            if src.format == "csv":
                others = [no for no, raw in enumerate(line.lines, start=1) if raw == line.raw]
            elif src.format == "xlsx":
                others = [no for no, row in enumerate(line.rows, start=1) if list(row) == line.fields]
            else:
                others = [
                    no
                    for no, raw in enumerate(line.lines, start=1)
                    if raw.rstrip(",") == line.lines[line.no - 1].rstrip(",")
                ]
            assert len(others) >= 2 and line.no in others, where
            continue
        value = line.value(t["column"])
        shown = as_text(value)
        if isinstance(value, float):
            assert value == float(t["injected"]), where
        else:
            assert shown == t["injected"], where
        assert t["original"] != t["injected"], where
        col = src.column(t["column"])
        if kind == "bad_check_digit":
            named = [c for c in col.checks if c in CHECKS]
            assert not any(CHECKS[c](shown) for c in named), where
            assert any(CHECKS[c](t["original"]) for c in named), where
        elif kind == "legacy_15_digit_id":
            assert len(shown) == 15 and shown.isdigit() and t["original"][6:8] == "19"
        elif kind == "lowercase_x":
            assert shown.endswith("x") and t["original"].endswith("X")
        elif kind == "birth_date_vs_id":
            assert shown != line.value("id_no")[6:14]
        elif kind == "gender_vs_id":
            assert shown != id_card_gender(line.value("id_no"))
        elif kind == "retired_region_code":
            assert shown in known and shown not in current
        elif kind == "unknown_region_code":
            assert shown not in known
        elif kind == "blank_required":
            assert col.required and shown == ""
        elif kind == "code_not_in_list":
            assert shown not in registry.codes(col)
        elif kind == "out_of_range":
            lo, hi = col.range
            assert not lo <= float(shown) <= hi
        elif kind == "impossible_date":
            for fmt in ("%Y%m%d", "%Y-%m-%d", "%Y-%m-%d %H:%M:%S", "%Y/%m/%d"):
                with pytest.raises(ValueError):
                    datetime.strptime(shown, fmt)
        elif kind == "off_layout":
            assert not re.fullmatch(layout_pattern(col.layout), shown), where
            assert _moment(col, shown) == _moment(col, t["original"]), where
        elif kind == "dead_person_paid":
            assert shown in ("在保", "1")
            assert deaths[line.value("id_no")] < t["batch"]
        elif kind == "deregistered_with_valid_licence":
            assert shown == "有效"
        elif kind == "taxpayer_active_but_deregistered":
            assert shown == "正常"
        elif kind == "name_mismatch":
            assert shown != t["original"]
        else:
            raise AssertionError(kind)


def _moment(column, shown: str):
    """The day or moment a date text names, in any layout staging reads (the staging oracle)."""
    parse = oracle.to_timestamp if column.type == "datetime" else lambda t: oracle.to_date(t, excel_serial=False)
    value, flag = parse(shown)
    assert flag is None, shown
    return value


def test_status_defects_contradict_the_authoritative_sources(city, registry):
    out, _, truth = city
    latest = {}
    for path in sorted((out / "scjg.enterprise_register").glob("*/*.csv")):
        lines = path.read_bytes().split(b"\r\n")
        for raw in lines[1:]:
            try:
                row = next(csv.reader([raw.decode("gb18030")]), None)
            except UnicodeDecodeError:
                continue
            if row and len(row) == 12 and (row[0] not in latest or row[11] > latest[row[0]][11]):
                latest[row[0]] = row
    for t in truth:
        if t["kind"] == "taxpayer_active_but_deregistered":
            assert latest[t["record_key"].split("|")[0]][6] == "注销"
        if t["kind"] == "deregistered_with_valid_licence":
            line = Line(out, registry, t)
            assert latest[line.value("holder_code")][6] in ("注销", "吊销")


def test_defects_per_source_only_where_the_format_allows(city, registry):
    _, _, truth = city
    by_kind = defaultdict(set)
    for t in truth:
        by_kind[t["kind"]].add(t["source"])
    for sid in by_kind["undecodable_bytes"]:
        assert registry.sources[sid].encoding == "gb18030"
    for kind in ("short_row", "extra_column", "missing_column"):
        for sid in by_kind[kind]:
            assert registry.sources[sid].format == "csv"
    assert by_kind["birth_date_vs_id"] == {"gaj.household_register"}


def test_every_kind_occurs_even_at_a_tiny_rate(tmp_path):
    summary = generate_city(tmp_path / "landing", persons=1000, seed=8, defect_rate=0.0001)
    with open(summary.truth_path, encoding="utf-8", newline="") as fh:
        kinds = {t["kind"] for t in csv.DictReader(fh)}
    assert kinds == KINDS


def test_progress_is_reported_per_source(tmp_path, registry):
    seen: dict[str, int] = {}
    summary = generate_city(
        tmp_path / "landing", persons=300, seed=1, progress=lambda sid, rows: seen.__setitem__(sid, rows)
    )
    assert seen == {sid: s.rows for sid, s in summary.sources.items()}
    assert set(seen) == set(registry.sources)


def test_files_with_a_wrong_header_hold_no_other_damage(city):
    _, _, truth = city
    whole = {(t["source"], t["batch"], t["file"]) for t in truth if t["kind"] in ("extra_column", "missing_column")}
    assert whole
    assert not [
        t
        for t in truth
        if t["kind"] not in ("extra_column", "missing_column") and (t["source"], t["batch"], t["file"]) in whole
    ]
