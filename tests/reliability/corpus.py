"""The hostile-input corpus: one small function per case, writing one batch into a landing
zone and declaring what must become of it.

A case starts from real records of the clean sample delivery (tests/fixtures/clean-city)
and damages them the way a department's export, a transfer or an attacker would. It
returns an Expect: per file that must load, how many records it delivered and how many of
them must land in quarantine (the rest in raw); per file refused or rejected whole, a word
its reason holds; or, for a batch refused whole, a word of that reason. `planted` lists
personal values the case put where a column-based mask would not look, for the leak scan.

A new case is one function decorated with @case (its name is its id in the table of
docs/reliability.md).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from tests.conftest import FIXTURES

SAMPLE = FIXTURES / "clean-city"
SAMPLE_BATCH = "2026-10-01"
FIRST_DATE = date(2026, 8, 1)  # corpus batches sort before the sample's: its snapshots stay the latest
FUTURE = "2099-12-31"

HOUSEHOLD = "gaj.household_register"  # csv, gb18030
PUBLICITY = "xyzx.double_publicity"  # csv, utf-8 with BOM
PATENT = "scjg.patent"  # csv, utf-8
MARRIAGE = "mzj.marriage_register"  # xlsx
TAXPAYER = "swj.taxpayer"  # json
LICENCE = "dsj.e_licence"  # jsonl
PARCEL = "zrzy.land_parcel"  # geojson

PLANTED_ID = "110105198807160011"  # valid GB 11643 check character; nowhere in the sample
PLANTED_MOBILE = "13912345678"
PLANTED_OLD_ID = "110105880716001"  # a legacy 15-digit number


@dataclass
class Expect:
    source: str
    delivered: dict[str, int] = field(default_factory=dict)  # file -> records delivered (it must load)
    quarantined: dict[str, int] = field(default_factory=dict)  # file -> of those, records in quarantine
    rejected: dict[str, str] = field(default_factory=dict)  # file as delivered -> a word of its reason
    refused: str | None = None  # the batch refused whole: a word of its reason
    planted: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Case:
    name: str
    write: Callable[[Path], Expect]  # given the batch directory to fill (it exists)
    batch: str | None = None  # a fixed batch date; else one of its own


CASES: list[Case] = []


def case(fn=None, *, batch: str | None = None):
    def register(f):
        CASES.append(Case(f.__name__.replace("_", " "), f, batch))
        return f

    return register(fn) if fn else register


def batch_dates() -> dict[str, str]:
    """Each case's batch date: its own day from FIRST_DATE on, unless it names one."""
    return {c.name: c.batch or (FIRST_DATE + timedelta(days=i)).isoformat() for i, c in enumerate(CASES)}


def write_corpus(landing: Path) -> dict[str, tuple[str, str, Expect]]:
    """Every case written under landing: name -> (source, batch, Expect)."""
    out = {}
    dates = batch_dates()
    for c in CASES:
        # the source is known only once the case has run: write into a scratch name first
        scratch = landing / ".case" / dates[c.name]
        scratch.mkdir(parents=True)
        expect = c.write(scratch)
        target = landing / expect.source / dates[c.name]
        target.parent.mkdir(parents=True, exist_ok=True)
        scratch.rename(target)
        out[c.name] = (expect.source, dates[c.name], expect)
    (landing / ".case").rmdir()
    return out


# --- sample material -------------------------------------------------------------------


def sample_file(source_id: str) -> Path:
    return next(p for p in sorted((SAMPLE / source_id / SAMPLE_BATCH).iterdir()) if p.name != "_READY")


def csv_lines(source_id: str) -> list[bytes]:
    """The sample file's lines as delivered bytes (header first), line ends kept."""
    return sample_file(source_id).read_bytes().splitlines(keepends=True)


def name_for(source_id: str, d: Path, part: int | None = None) -> str:
    from govlake.registry import load_registry
    from tests.lake_fixtures import file_name

    return file_name(load_registry().source(source_id), d.name if d.name[:4].isdigit() else "2026-08-01", part)


def ready(d: Path) -> None:
    (d / "_READY").touch()


def deliver(d: Path, source_id: str, data: bytes, part: int | None = None) -> str:
    name = name_for(source_id, d, part)
    (d / name).write_bytes(data)
    ready(d)
    return name


def replace_field(line: bytes, index: int, value: bytes) -> bytes:
    end = line[len(line.rstrip(b"\r\n")) :]
    fields = line.rstrip(b"\r\n").split(b",")
    fields[index] = value
    return b",".join(fields) + end


# --- CSV, GB18030 (公安 household register) ---------------------------------------------


@case
def csv_cut_mid_record(d: Path) -> Expect:
    lines = csv_lines(HOUSEHOLD)
    name = deliver(d, HOUSEHOLD, b"".join(lines[:6]) + lines[6][: len(lines[6]) // 2])
    return Expect(HOUSEHOLD, delivered={name: 6}, quarantined={name: 1})


@case
def csv_cut_mid_multibyte_character(d: Path) -> Expect:
    lines = csv_lines(HOUSEHOLD)
    last = lines[6]
    cut = next(i for i, b in enumerate(last) if b >= 0x81) + 1  # after a lead byte
    name = deliver(d, HOUSEHOLD, b"".join(lines[:6]) + last[:cut])
    return Expect(HOUSEHOLD, delivered={name: 6}, quarantined={name: 1})


@case
def csv_with_nul_bytes(d: Path) -> Expect:
    lines = csv_lines(HOUSEHOLD)
    lines[2] = replace_field(lines[2], 1, b"\x00\x00" + lines[2].split(b",")[1])
    name = deliver(d, HOUSEHOLD, b"".join(lines[:6]))
    # raw keeps the text as delivered, NUL included; staging types it or rejects the row
    return Expect(HOUSEHOLD, delivered={name: 5})


@case
def csv_with_an_unclosed_quote(d: Path) -> Expect:
    lines = csv_lines(HOUSEHOLD)
    lines[3] = replace_field(lines[3], 7, b'"' + lines[3].split(b",")[7])
    name = deliver(d, HOUSEHOLD, b"".join(lines[:6]))
    # by the CSV grammar the quote runs to the end of the file: records 3-5 are one record,
    # quarantined whole (its raw_text holds the three lines)
    return Expect(HOUSEHOLD, delivered={name: 3}, quarantined={name: 1})


@case
def csv_in_the_wrong_encoding(d: Path) -> Expect:
    text = b"".join(csv_lines(HOUSEHOLD)[:4]).decode("gb18030")
    name = deliver(d, HOUSEHOLD, text.encode("utf-8"))
    return Expect(HOUSEHOLD, rejected={name: "not valid gb18030"})


@case
def csv_without_its_header_line(d: Path) -> Expect:
    lines = csv_lines(HOUSEHOLD)
    first = replace_field(replace_field(lines[1], 0, PLANTED_ID.encode()), 9, PLANTED_MOBILE.encode())
    name = deliver(d, HOUSEHOLD, first + b"".join(lines[2:4]))
    return Expect(HOUSEHOLD, rejected={name: "columns do not match"}, planted=[PLANTED_ID, PLANTED_MOBILE])


@case
def csv_with_an_id_number_shifted_into_another_column(d: Path) -> Expect:
    lines = csv_lines(HOUSEHOLD)
    lines[1] = replace_field(replace_field(lines[1], 0, b""), 8, PLANTED_ID.encode())  # into 行政区划
    lines[2] = replace_field(lines[2], 7, PLANTED_OLD_ID.encode())  # into 户籍地址
    name = deliver(d, HOUSEHOLD, b"".join(lines[:4]))
    return Expect(HOUSEHOLD, delivered={name: 3}, planted=[PLANTED_ID, PLANTED_OLD_ID])


@case
def csv_with_an_extra_column(d: Path) -> Expect:
    lines = [line.rstrip(b"\r\n") + b",x\r\n" for line in csv_lines(HOUSEHOLD)[:4]]
    lines[0] = lines[0].replace(b",x\r\n", ",备注\r\n".encode("gb18030"))
    name = deliver(d, HOUSEHOLD, b"".join(lines))
    return Expect(HOUSEHOLD, rejected={name: "columns do not match"})


@case
def csv_with_a_missing_column(d: Path) -> Expect:
    lines = [b",".join(line.rstrip(b"\r\n").split(b",")[:-1]) + b"\r\n" for line in csv_lines(HOUSEHOLD)[:4]]
    name = deliver(d, HOUSEHOLD, b"".join(lines))
    return Expect(HOUSEHOLD, rejected={name: "columns do not match"})


@case
def csv_with_duplicate_rows(d: Path) -> Expect:
    lines = csv_lines(HOUSEHOLD)
    name = deliver(d, HOUSEHOLD, b"".join(lines[:4] + lines[1:4]))
    return Expect(HOUSEHOLD, delivered={name: 6})


@case
def csv_with_full_width_digits(d: Path) -> Expect:
    wide = str.maketrans("0123456789", "０１２３４５６７８９")
    lines = csv_lines(HOUSEHOLD)
    for i in (1, 2):
        fields = lines[i].decode("gb18030").split(",")
        for col in (0, 3, 9):  # ID number, birth date, mobile
            fields[col] = fields[col].translate(wide)
        lines[i] = ",".join(fields).encode("gb18030")
    name = deliver(d, HOUSEHOLD, b"".join(lines[:4]))
    return Expect(HOUSEHOLD, delivered={name: 3})


@case
def csv_with_zero_dates(d: Path) -> Expect:
    lines = csv_lines(HOUSEHOLD)
    lines[1] = replace_field(replace_field(lines[1], 3, b"00000000"), 10, b"0000-00-00 00:00:00\r\n")
    lines[2] = replace_field(lines[2], 3, b"0000-00-00")
    name = deliver(d, HOUSEHOLD, b"".join(lines[:4]))
    return Expect(HOUSEHOLD, delivered={name: 3})


@case
def an_empty_file(d: Path) -> Expect:
    name = deliver(d, HOUSEHOLD, b"")
    return Expect(HOUSEHOLD, rejected={name: "empty"})


@case
def a_batch_holding_only_ready(d: Path) -> Expect:
    ready(d)
    return Expect(HOUSEHOLD, refused="no file named like")


@case(batch=FUTURE)
def a_batch_dated_in_the_future(d: Path) -> Expect:
    deliver(d, HOUSEHOLD, b"".join(csv_lines(HOUSEHOLD)[:3]))
    return Expect(HOUSEHOLD, refused="after today")


def _with_a_good_file(d: Path) -> str:
    return deliver(d, HOUSEHOLD, b"".join(csv_lines(HOUSEHOLD)[:3]), part=1)


@case
def a_file_name_of_250_bytes(d: Path) -> Expect:
    good = _with_a_good_file(d)
    name = "hjrk_" + "长" * 80 + "x" * (250 - 5 - 240 - 4) + ".csv"
    assert len(name.encode()) == 250
    (d / name).write_bytes(b"".join(csv_lines(HOUSEHOLD)[:3]))
    return Expect(HOUSEHOLD, delivered={good: 2}, rejected={name: "not a file of"})


@case
def a_file_name_that_is_not_utf8(d: Path) -> Expect:
    good = _with_a_good_file(d)
    raw = b"hjrk_\xff\xfe.csv"
    (d / os.fsdecode(raw)).write_bytes(b"".join(csv_lines(HOUSEHOLD)[:3]))  # surrogates: the bytes
    return Expect(HOUSEHOLD, delivered={good: 2}, rejected={os.fsdecode(raw): "not valid UTF-8"})


@case
def a_file_name_ending_in_a_newline(d: Path) -> Expect:
    good = _with_a_good_file(d)
    name = name_for(HOUSEHOLD, d, 2) + "\n"
    (d / name).write_bytes(b"".join(csv_lines(HOUSEHOLD)[:3]))
    return Expect(HOUSEHOLD, delivered={good: 2}, rejected={name: "not a file of"})


@case
def a_symlink_to_a_file_outside_the_lake(d: Path) -> Expect:
    good = _with_a_good_file(d)
    outside = d.parent.parent.parent / "outside" / "secret.csv"
    outside.parent.mkdir(exist_ok=True)
    outside.write_bytes(b"".join(csv_lines(HOUSEHOLD)[:1]) + f"{PLANTED_OLD_ID},外部\r\n".encode("gb18030"))
    name = name_for(HOUSEHOLD, d, 2)
    (d / name).symlink_to(outside)
    return Expect(HOUSEHOLD, delivered={good: 2}, rejected={name: "symlink"}, planted=[PLANTED_OLD_ID])


@case
def a_symlink_to_a_directory(d: Path) -> Expect:
    good = _with_a_good_file(d)
    (d / "more").symlink_to(SAMPLE / HOUSEHOLD / SAMPLE_BATCH, target_is_directory=True)
    return Expect(HOUSEHOLD, delivered={good: 2}, rejected={"more": "symlink"})


# --- CSV, UTF-8 with BOM (信用中心) and UTF-8 (市场监管 patents) ------------------------


@case
def csv_with_a_bom_mid_file(d: Path) -> Expect:
    lines = csv_lines(PUBLICITY)
    lines[2] = b"\xef\xbb\xbf" + lines[2]
    name = deliver(d, PUBLICITY, b"".join(lines[:5]))
    # U+FEFF is text: raw keeps it in the first value, staging types it or rejects the row
    return Expect(PUBLICITY, delivered={name: 4})


@case
def a_party_code_with_a_prefix_and_a_mobile_in_a_title(d: Path) -> Expect:
    lines = csv_lines(PATENT)
    lines[1] = replace_field(lines[1], 4, f"ID:{PLANTED_ID}".encode())  # 申请人代码
    lines[2] = replace_field(lines[2], 1, f"联系{PLANTED_MOBILE}".encode())  # 专利名称
    name = deliver(d, PATENT, b"".join(lines[:4]))
    return Expect(PATENT, delivered={name: 3}, planted=[PLANTED_ID, PLANTED_MOBILE])


@case
def csv_with_a_line_over_the_line_limit(d: Path) -> Expect:
    lines = csv_lines(HOUSEHOLD)
    lines[2] = replace_field(lines[2], 7, b"X" * 300_000)  # ingest/limits.yaml max_line_bytes: 256 KiB
    name = deliver(d, HOUSEHOLD, b"".join(lines[:6]))
    return Expect(HOUSEHOLD, delivered={name: 5}, quarantined={name: 1})


# --- XLSX, JSON, JSON Lines, GeoJSON -----------------------------------------------------


@case
def xlsx_cut_mid_zip(d: Path) -> Expect:
    data = sample_file(MARRIAGE).read_bytes()
    name = deliver(d, MARRIAGE, data[: len(data) // 2])
    return Expect(MARRIAGE, rejected={name: "xlsx"})


@case
def json_cut_mid_record(d: Path) -> Expect:
    data = sample_file(TAXPAYER).read_bytes()
    name = deliver(d, TAXPAYER, data[: len(data) // 2])
    return Expect(TAXPAYER, rejected={name: "JSON"})


@case
def json_nested_deeply(d: Path) -> Expect:
    name = deliver(d, TAXPAYER, ("[" * 100_000 + "]" * 100_000).encode())
    return Expect(TAXPAYER, rejected={name: "nested too deeply"})


def _jsonl(n: int) -> list[bytes]:
    return sample_file(LICENCE).read_bytes().splitlines(keepends=True)[:n]


@case
def jsonl_cut_mid_record(d: Path) -> Expect:
    lines = _jsonl(4)
    name = deliver(d, LICENCE, b"".join(lines[:3]) + lines[3][: len(lines[3]) // 2])
    return Expect(LICENCE, delivered={name: 4}, quarantined={name: 1})


@case
def jsonl_with_one_record_nested_deeply(d: Path) -> Expect:
    lines = _jsonl(2)
    name = deliver(d, LICENCE, lines[0] + b"[" * 100_000 + b"]" * 100_000 + b"\n" + lines[1])
    return Expect(LICENCE, delivered={name: 3}, quarantined={name: 1})


@case
def jsonl_with_a_value_over_the_value_limit(d: Path) -> Expect:
    lines = _jsonl(3)
    record = json.loads(lines[1])
    record[next(iter(record))] = "X" * 100_000  # max_value_bytes: 64 KiB, under the line limit
    name = deliver(d, LICENCE, lines[0] + json.dumps(record).encode() + b"\n" + lines[2])
    return Expect(LICENCE, delivered={name: 3}, quarantined={name: 1})


@case
def xlsx_zip_bomb(d: Path) -> Expect:
    from govlake.registry import load_registry
    from tests.lake_fixtures import xlsx_bytes, xlsx_with_huge_string

    source = load_registry().source(MARRIAGE)
    workbook = xlsx_bytes(source.sheet, list(source.headers), [["BOMB"] * len(source.headers)])
    bomb = xlsx_with_huge_string(workbook, "BOMB", 120_000_000)  # ~1000:1, over the 100:1 ratio limit
    name = deliver(d, MARRIAGE, bomb)
    return Expect(MARRIAGE, rejected={name: "zip bomb"})


def _features() -> dict:
    return json.loads(sample_file(PARCEL).read_text(encoding="utf-8"))


def _parcels(d: Path, damage: Callable[[list], None]) -> str:
    doc = _features()
    doc["features"] = doc["features"][:3]
    damage(doc["features"])
    return deliver(d, PARCEL, json.dumps(doc, ensure_ascii=False).encode())


@case
def geojson_with_an_unclosed_ring(d: Path) -> Expect:
    def unclose(features):
        ring = features[0]["geometry"]["coordinates"][0]
        ring.pop()  # the last point no longer repeats the first

    name = _parcels(d, unclose)
    return Expect(PARCEL, delivered={name: 3})


@case
def geojson_with_a_self_crossing_ring(d: Path) -> Expect:
    def bowtie(features):
        features[0]["geometry"]["coordinates"] = [
            [[118.0, 37.0], [118.01, 37.01], [118.01, 37.0], [118.0, 37.01], [118.0, 37.0]]
        ]

    name = _parcels(d, bowtie)
    return Expect(PARCEL, delivered={name: 3})


@case
def geojson_with_coordinates_in_the_wrong_order(d: Path) -> Expect:
    def swap(features):
        ring = features[0]["geometry"]["coordinates"][0]
        features[0]["geometry"]["coordinates"][0] = [[lat, lon] for lon, lat in ring]

    name = _parcels(d, swap)
    return Expect(PARCEL, delivered={name: 3})


@case
def geojson_cut_mid_feature(d: Path) -> Expect:
    data = sample_file(PARCEL).read_bytes()
    name = deliver(d, PARCEL, data[: len(data) // 2])
    return Expect(PARCEL, rejected={name: "JSON"})
