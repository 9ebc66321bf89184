"""Size limits on deliveries (issue 12, item 7; ingest/limits.yaml): a file over its
size limit is rejected whole, a value over its limit quarantines its row, a line over
the line limit quarantines its record — in every format, each with its reason; the
rest of the batch loads. Limits are read from the config: each test sets small ones."""

from __future__ import annotations

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
    assert any("value_too_large" in m and f"column {header}" in m for m in r.messages), r.messages


def test_a_geojson_geometry_has_its_own_larger_limit(lake, landing, monkeypatch, tmp_path):
    fmt = BY_ID["geojson"]
    ring = [[118.0 + i * 1e-7, 37.2] for i in range(5_000)] + [[118.0, 37.2]]  # ~110 KB: a detailed boundary
    geometry = json.dumps({"type": "Polygon", "coordinates": [ring]})
    use_limits(monkeypatch, tmp_path / "limits.yaml", {"max_value_bytes": {"default": 65_536, "geometry": 1_000_000}})
    d = make_batch(landing, fmt.source_id, BATCH, {fmt.name(1): fmt.file([fmt.record(1, geometry=geometry)])})

    r = ingest.ingest_batch(fmt.source, d, lake)

    assert (r.status, r.rows_written, r.rows_quarantined) == ("loaded", 1, 0), r.messages
