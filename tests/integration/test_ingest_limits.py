"""Size limits on deliveries (issue 12, item 7; ingest/limits.yaml): a file over its
size limit is rejected whole, a value over its limit quarantines its row, a line over
the line limit quarantines its record — in every format, each with its reason; the
rest of the batch loads. Limits are read from the config: each test sets small ones."""

from __future__ import annotations

import csv
import hashlib
import json
from dataclasses import dataclass

import pytest

import ingest
from govlake.registry import Source, load_registry
from tests.lake_fixtures import (
    csv_bytes,
    file_name,
    jsonl_bytes,
    make_batch,
    read_quarantined_rows,
    read_raw,
    use_limits,
    xlsx_bytes,
    xlsx_with_huge_string,
)

REG = load_registry()
BATCH = "2026-10-01"
RING = [[118.0, 37.2], [118.1, 37.2], [118.1, 37.3], [118.0, 37.2]]


@dataclass(frozen=True)
class Format:
    """A source delivered in one format, and how to write a file of it."""

    id: str
    source_id: str

    @property
    def source(self) -> Source:
        return REG.sources[self.source_id]

    @property
    def headers(self) -> list[str]:
        return list(self.source.headers)

    def record(self, i: int, **values: str) -> dict:
        """A record keyed by the file's headers; `values` by canonical name."""
        names = self.source.headers
        return {h: values.get(names[h], f"{names[h]}-{i}") for h in self.headers}

    def file(self, records: list[dict]) -> bytes:
        src = self.source
        if src.format == "csv":
            return csv_bytes(self.headers, [list(r.values()) for r in records], encoding=src.encoding)
        if src.format == "jsonl":
            return jsonl_bytes(records)
        if src.format == "json":
            return json.dumps(records, ensure_ascii=False).encode()
        if src.format == "geojson":
            features = [
                {
                    "type": "Feature",
                    "properties": {k: v for k, v in r.items() if k != "geometry"},
                    "geometry": json.loads(r["geometry"])
                    if r["geometry"].startswith("{")
                    else {"type": "Polygon", "coordinates": [RING]},
                }
                for r in records
            ]
            return json.dumps({"type": "FeatureCollection", "features": features}).encode()
        if src.format == "xlsx":
            return xlsx_bytes(src.sheet, self.headers, [list(r.values()) for r in records])
        raise ValueError(src.format)

    def name(self, part: int) -> str:
        return file_name(self.source, BATCH, part)


FORMATS = [
    Format("csv_gb18030", "gaj.household_register"),
    Format("csv_utf8_bom", "xyzx.double_publicity"),
    Format("json", "swj.taxpayer"),
    Format("jsonl", "dsj.e_licence"),
    Format("geojson", "zrzy.land_parcel"),
    Format("xlsx", "mzj.marriage_register"),
]
BY_ID = {f.id: f for f in FORMATS}


def _summary(lake, source_id: str) -> dict:
    q = lake.quarantine_partition(source_id, BATCH)
    return json.loads((q / "_quarantine.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("fmt", FORMATS, ids=lambda f: f.id)
def test_a_file_over_the_file_limit_is_rejected_whole_and_the_rest_loads(lake, landing, monkeypatch, tmp_path, fmt):
    small = fmt.file([fmt.record(1)])
    big = fmt.file([fmt.record(i) for i in range(2, 200)])
    use_limits(monkeypatch, tmp_path / "limits.yaml", {"max_file_bytes": {fmt.source.format: len(big) - 1}})
    d = make_batch(landing, fmt.source_id, BATCH, {fmt.name(1): small, fmt.name(2): big})

    r = ingest.ingest_batch(fmt.source, d, lake)

    assert r.status == "loaded", r.messages
    assert (r.files_rejected, r.rows_written) == (1, 1)
    assert [row["_file"] for row in read_raw(lake, fmt.source_id, BATCH)] == [fmt.name(1)]
    [rejected] = _summary(lake, fmt.source_id)["rejected"]
    assert rejected["file"] == fmt.name(2)
    assert (rejected["limit"], rejected["size"], rejected["allowed"]) == ("file_too_large", len(big), len(big) - 1)
    assert f"{len(big)} bytes, over the limit of {len(big) - 1} bytes" in rejected["reason"]
    copy = lake.quarantine_partition(fmt.source_id, BATCH) / "rejected" / fmt.name(2)
    assert copy.read_bytes() == big


BIG_VALUE = "长" * 30_000 + "x"  # 90,001 bytes of UTF-8: over a 64 KiB limit, under the 256 KiB line limit


@pytest.mark.parametrize("fmt", FORMATS, ids=lambda f: f.id)
def test_a_value_over_the_value_limit_quarantines_its_row_with_size_and_sha256(
    lake, landing, monkeypatch, tmp_path, fmt
):
    column = fmt.source.column_names[1]
    header = fmt.headers[1]
    use_limits(monkeypatch, tmp_path / "limits.yaml", {"max_value_bytes": {"default": 65_536}})
    records = [fmt.record(1), fmt.record(2, **{column: BIG_VALUE}), fmt.record(3)]
    d = make_batch(landing, fmt.source_id, BATCH, {fmt.name(1): fmt.file(records)})

    r = ingest.ingest_batch(fmt.source, d, lake)

    assert r.status == "loaded", r.messages
    assert (r.rows_read, r.rows_written, r.rows_quarantined) == (3, 2, 1)
    assert [row["_row_no"] for row in read_raw(lake, fmt.source_id, BATCH)] == [1, 3]
    [q] = read_quarantined_rows(lake, fmt.source_id, BATCH)
    size = len(BIG_VALUE.encode())
    assert (q["reason"], q["row_no"], q["column"]) == ("value_too_large", 2, f"{header} ({column})")
    assert q["line"] is not None
    assert f"{size} bytes, over the limit of 65536 bytes" in q["detail"]
    assert hashlib.sha256(BIG_VALUE.encode()).hexdigest() in q["detail"]
    assert "still in landing" in q["detail"]
    assert len(q["raw_text"].encode()) < 4_000  # a bounded prefix, not the value
    # the row reads as the format's other quarantined rows do (quality takes its key from it)
    fields = (
        next(csv.reader([q["raw_text"]])) if fmt.source.format == "csv" else list(json.loads(q["raw_text"]).values())
    )
    assert fields[0] == records[1][fmt.headers[0]] and fields[1].startswith(BIG_VALUE[:300])
    assert any("value_too_large" in m and f"column {header}" in m for m in r.messages), r.messages


def test_a_value_over_the_limit_on_the_quoted_csv_path_is_quarantined_with_its_line(
    lake, landing, monkeypatch, tmp_path
):
    fmt = BY_ID["csv_utf8_bom"]
    column = fmt.source.column_names[2]
    use_limits(monkeypatch, tmp_path / "limits.yaml", {"max_value_bytes": {"default": 65_536}})
    spanning = fmt.record(1, **{fmt.source.column_names[1]: "一行\n两行"})  # a quoted value over two lines
    records = [spanning, fmt.record(2, **{column: BIG_VALUE}), fmt.record(3)]
    d = make_batch(landing, fmt.source_id, BATCH, {fmt.name(1): fmt.file(records)})

    r = ingest.ingest_batch(fmt.source, d, lake)

    assert (r.status, r.rows_written, r.rows_quarantined) == ("loaded", 2, 1), r.messages
    [q] = read_quarantined_rows(lake, fmt.source_id, BATCH)
    assert (q["reason"], q["row_no"], q["line"]) == ("value_too_large", 2, 4)  # header, two lines, then it


def test_a_geojson_geometry_has_its_own_larger_limit(lake, landing, monkeypatch, tmp_path):
    fmt = BY_ID["geojson"]
    ring = [[118.0 + i * 1e-7, 37.2] for i in range(5_000)] + [[118.0, 37.2]]  # ~110 KB: a detailed boundary
    geometry = json.dumps({"type": "Polygon", "coordinates": [ring]})
    use_limits(monkeypatch, tmp_path / "limits.yaml", {"max_value_bytes": {"default": 65_536, "geometry": 1_000_000}})
    records = [fmt.record(1, geometry=geometry), fmt.record(2, **{fmt.source.column_names[1]: BIG_VALUE})]
    d = make_batch(landing, fmt.source_id, BATCH, {fmt.name(1): fmt.file(records)})

    r = ingest.ingest_batch(fmt.source, d, lake)

    assert (r.status, r.rows_written, r.rows_quarantined) == ("loaded", 1, 1), r.messages
    [loaded] = read_raw(lake, fmt.source_id, BATCH)
    assert len(loaded["geometry"]) > len(BIG_VALUE.encode()) > 65_536
    [q] = read_quarantined_rows(lake, fmt.source_id, BATCH)
    assert (q["row_no"], q["reason"]) == (2, "value_too_large")


LINE_LIMIT = 4_096
LONG_VALUE = "长" * 5_000  # 15,000 bytes of UTF-8, 10,000 of GB18030: over a 4 KiB line in any encoding


def _quoted(fmt: Format, i: int) -> dict:
    """A record holding a quoted value (a comma in it): the file takes the general CSV path."""
    return fmt.record(i, **{fmt.source.column_names[1]: "甲,乙"})


@pytest.mark.parametrize("where", ["in_a_block", "past_a_block"])
@pytest.mark.parametrize(
    ("fmt", "quoted"),
    [
        (BY_ID["csv_gb18030"], False),
        (BY_ID["csv_gb18030"], True),
        (BY_ID["csv_utf8_bom"], False),
        (BY_ID["jsonl"], False),
    ],
    ids=["csv_gb18030_plain", "csv_gb18030_quoted", "csv_utf8_bom_plain", "jsonl"],
)
def test_a_line_over_the_line_limit_quarantines_its_record_and_the_rest_loads(
    lake, landing, monkeypatch, tmp_path, fmt, quoted, where
):
    import ingest.transcode as transcode

    if where == "past_a_block":  # the line is longer than a read: it is read past, never held
        monkeypatch.setattr(transcode, "CHUNK_SIZE", 1_024)
    use_limits(monkeypatch, tmp_path / "limits.yaml", {"max_line_bytes": LINE_LIMIT})
    column = fmt.source.column_names[2]
    records = [_quoted(fmt, 1) if quoted else fmt.record(1), fmt.record(2, **{column: LONG_VALUE}), fmt.record(3)]
    data = fmt.file(records)
    long_line = data.split(b"\n")[2 if fmt.source.format == "csv" else 1]  # up to its LF, a CR included
    d = make_batch(landing, fmt.source_id, BATCH, {fmt.name(1): data})

    r = ingest.ingest_batch(fmt.source, d, lake)

    assert r.status == "loaded", r.messages
    assert (r.rows_read, r.rows_written, r.rows_quarantined) == (3, 2, 1)
    assert [row["_row_no"] for row in read_raw(lake, fmt.source_id, BATCH)] == [1, 3]
    [q] = read_quarantined_rows(lake, fmt.source_id, BATCH)
    header_lines = 1 if fmt.source.format == "csv" else 0
    assert (q["reason"], q["row_no"], q["line"]) == ("line_too_large", 2, 2 + header_lines)
    assert f"line of {len(long_line)} bytes, over the limit of {LINE_LIMIT} bytes" in q["detail"]
    assert hashlib.sha256(long_line).hexdigest() in q["detail"]
    assert bytes.fromhex(q["raw_hex"]) == long_line[:1024]


def test_a_json_lines_file_without_a_newline_is_read_past_in_bounded_memory(lake, landing, monkeypatch, tmp_path):
    import tracemalloc

    fmt = BY_ID["jsonl"]
    use_limits(monkeypatch, tmp_path / "limits.yaml", {"max_line_bytes": LINE_LIMIT})
    endless = json.dumps(fmt.record(1, **{fmt.source.column_names[1]: "x" * 48_000_000})).encode()  # no LF at all
    d = make_batch(landing, fmt.source_id, BATCH, {fmt.name(1): jsonl_bytes([fmt.record(1)]), fmt.name(2): endless})

    tracemalloc.start()
    try:
        r = ingest.ingest_batch(fmt.source, d, lake)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert (r.status, r.rows_written, r.rows_quarantined) == ("loaded", 1, 1), r.messages
    [q] = read_quarantined_rows(lake, fmt.source_id, BATCH)
    assert (q["file"], q["reason"], q["line"]) == (fmt.name(2), "line_too_large", 1)
    assert f"line of {len(endless)} bytes" in q["detail"]
    assert peak < 24_000_000  # half the line: it is read in chunks, never whole


@pytest.mark.parametrize("newline", [False, True], ids=["no_newline_at_all", "a_long_header_line"])
def test_a_csv_file_whose_header_line_is_over_the_limit_is_rejected(lake, landing, monkeypatch, tmp_path, newline):
    fmt = BY_ID["csv_gb18030"]
    use_limits(monkeypatch, tmp_path / "limits.yaml", {"max_line_bytes": LINE_LIMIT})
    header = fmt.file([]).rstrip(b"\r\n") + b"," * 20_000
    data = header + b"\r\n" + fmt.file([fmt.record(1)]).split(b"\n", 1)[1] if newline else header
    d = make_batch(landing, fmt.source_id, BATCH, {fmt.name(1): fmt.file([fmt.record(1)]), fmt.name(2): data})

    r = ingest.ingest_batch(fmt.source, d, lake)

    assert (r.status, r.rows_written, r.files_rejected) == ("loaded", 1, 1), r.messages
    [rejected] = _summary(lake, fmt.source_id)["rejected"]
    assert rejected["file"] == fmt.name(2)
    assert f"the header line is {len(header)} bytes, over the line limit of {LINE_LIMIT}" in rejected["reason"]


def test_a_long_csv_line_with_an_odd_number_of_quotes_rejects_its_file(lake, landing, monkeypatch, tmp_path):
    """Where a quoted value opened in the long line closes is unknown: no later record can be trusted."""
    fmt = BY_ID["csv_gb18030"]
    use_limits(monkeypatch, tmp_path / "limits.yaml", {"max_line_bytes": LINE_LIMIT})
    opened = fmt.file([fmt.record(1)]) + b'2,"' + b"x" * 10_000 + b"\r\n" + b'more",3\r\n'
    d = make_batch(landing, fmt.source_id, BATCH, {fmt.name(1): fmt.file([fmt.record(1)]), fmt.name(2): opened})

    r = ingest.ingest_batch(fmt.source, d, lake)

    assert (r.status, r.rows_written, r.files_rejected) == ("loaded", 1, 1), r.messages
    [rejected] = _summary(lake, fmt.source_id)["rejected"]
    assert (rejected["file"], rejected["limit"]) == (fmt.name(2), "line_too_large")
    assert "odd number of quote characters" in rejected["reason"]


BOMB = "BOMB-PLACEHOLDER"


def _bomb(size: int, **kw) -> bytes:
    fmt = BY_ID["xlsx"]
    workbook = fmt.file([fmt.record(1), fmt.record(2, **{fmt.source.column_names[1]: BOMB})])
    return xlsx_with_huge_string(workbook, BOMB, size, **kw)


def _bomb_batch(landing, bomb: bytes):
    fmt = BY_ID["xlsx"]
    return make_batch(landing, fmt.source_id, BATCH, {fmt.name(1): fmt.file([fmt.record(1)]), fmt.name(2): bomb})


def test_an_xlsx_part_declaring_more_than_the_limit_is_rejected_before_it_is_decompressed(
    lake, landing, monkeypatch, tmp_path
):
    fmt = BY_ID["xlsx"]
    use_limits(monkeypatch, tmp_path / "limits.yaml", {"xlsx": {"max_member_bytes": 1_000_000}})
    d = _bomb_batch(landing, _bomb(2_000_000))

    r = ingest.ingest_batch(fmt.source, d, lake)

    assert (r.status, r.rows_written, r.files_rejected) == ("loaded", 1, 1), r.messages
    [rejected] = _summary(lake, fmt.source_id)["rejected"]
    assert (rejected["file"], rejected["limit"], rejected["allowed"]) == (fmt.name(2), "archive_too_large", 1_000_000)
    assert "xl/worksheets/sheet1.xml declares" in rejected["reason"] and "not decompressed" in rejected["reason"]


def test_an_xlsx_zip_bomb_is_rejected_for_its_compression_ratio(lake, landing):
    fmt = BY_ID["xlsx"]
    d = _bomb_batch(landing, _bomb(20_000_000))  # within the member limit, 1000:1

    r = ingest.ingest_batch(fmt.source, d, lake)

    assert (r.status, r.rows_written, r.files_rejected) == ("loaded", 1, 1), r.messages
    [rejected] = _summary(lake, fmt.source_id)["rejected"]
    assert rejected["limit"] == "archive_too_large"
    assert "over the compression ratio limit of 100:1" in rejected["reason"]


def test_an_xlsx_part_lying_about_its_size_is_rejected(lake, landing):
    fmt = BY_ID["xlsx"]
    d = _bomb_batch(landing, _bomb(20_000_000, declare=5_000))  # claims 5 KB: passes the declared checks

    r = ingest.ingest_batch(fmt.source, d, lake)

    assert (r.status, r.rows_written, r.files_rejected) == ("loaded", 1, 1), r.messages
    [rejected] = _summary(lake, fmt.source_id)["rejected"]
    assert rejected["file"] == fmt.name(2)


# The child's peak from VmHWM, its own address space's high-water mark: getrusage's
# ru_maxrss would carry over pytest's peak, which a vfork+exec child inherits (~430 MB
# after the integration tests, measured).
_CHILD = """
import json, re, sys
from pathlib import Path
import ingest
from govlake.settings import Lake
r = ingest.ingest_batch(sys.argv[1], Path(sys.argv[2]), Lake.from_env(Path(sys.argv[3])))
peak_kb = int(re.search(r"VmHWM:\\s+(\\d+) kB", Path("/proc/self/status").read_text()).group(1))
print(json.dumps({"status": r.status, "rejected": r.files_rejected, "written": r.rows_written, "peak_kb": peak_kb}))
"""


@pytest.mark.slow
def test_the_412_kb_workbook_holding_a_400_mb_string_is_rejected_in_bounded_memory(landing, tmp_path):
    """The tester's hostile file: it took 1.7 GB before the limits."""
    import os
    import subprocess
    import sys

    fmt = BY_ID["xlsx"]
    bomb = _bomb(400_000_000)
    assert len(bomb) < 420_000
    d = _bomb_batch(landing, bomb)

    run = subprocess.run(
        [sys.executable, "-c", _CHILD, fmt.source_id, str(d), str(tmp_path / "lake")],
        capture_output=True,
        text=True,
        env={**os.environ, "GOVLAKE_HOME": str(tmp_path / "lake")},
        check=True,
    )
    out = json.loads(run.stdout.strip().splitlines()[-1])

    assert (out["status"], out["written"], out["rejected"]) == ("loaded", 1, 1)
    assert out["peak_kb"] < 400_000, out  # the string alone is 400 MB


def test_raising_a_limit_loads_what_it_refused_on_the_next_run(lake, landing, monkeypatch, tmp_path):
    fmt = BY_ID["csv_gb18030"]
    big = fmt.file([fmt.record(i) for i in range(2, 50)])
    d = make_batch(landing, fmt.source_id, BATCH, {fmt.name(1): fmt.file([fmt.record(1)]), fmt.name(2): big})
    use_limits(monkeypatch, tmp_path / "strict.yaml", {"max_file_bytes": {"csv": len(big) - 1}})
    assert ingest.ingest_batch(fmt.source, d, lake).files_rejected == 1

    use_limits(monkeypatch, tmp_path / "raised.yaml", {"max_file_bytes": {"csv": len(big)}})
    again = ingest.ingest_batch(fmt.source, d, lake)

    assert (again.status, again.files_rejected, again.rows_written) == ("replaced", 0, 49), again.messages
