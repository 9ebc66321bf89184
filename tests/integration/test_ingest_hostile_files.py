"""One hostile file must not block its batch (issue 12, item 5): JSON nested 100k deep,
a file name of 250 bytes, a name that is not UTF-8. Each is rejected alone (or its row
quarantined), with its reason; the batch's other files load; the batch is not failed,
on the first run or the next."""

from __future__ import annotations

import json
import os

import pytest

import ingest
from govlake.registry import load_registry
from ingest.readers import IntegrityError
from tests.lake_fixtures import jsonl_bytes, make_batch, read_quarantined_rows, read_raw

REG = load_registry()
TAX = REG.sources["swj.taxpayer"]  # json, nsr_YYYYMM.json
LIC = REG.sources["dsj.e_licence"]  # jsonl, dzzz_YYYYMMDD.jsonl
BATCH = "2026-10-01"
DEEP = 100_000


def taxpayer(i: int) -> dict:
    return {"nsrsbh": f"91371600MA3C{i:06d}", "nsrmc": f"纳税人{i}", "nsrzt": "03", "nsxydj": "A", "pdnd": "2025"}


def licence(i: int) -> dict:
    return {h: f"{h}{i}" for h in LIC.headers}


def good_json(n: int = 2) -> bytes:
    return json.dumps([taxpayer(i) for i in range(n)], ensure_ascii=False).encode()


def _quarantine(lake, source_id: str) -> tuple[dict, list[str]]:
    q = lake.quarantine_partition(source_id, BATCH)
    summary = json.loads((q / "_quarantine.json").read_text(encoding="utf-8"))
    stored = sorted(os.listdir(os.fsencode(q / "rejected"))) if (q / "rejected").exists() else []
    for name in stored:  # every name the quarantine makes is short enough and printable
        assert len(name) <= 255, name
        name.decode("utf-8")
    return summary, [n.decode() for n in stored]


def _not_failed_twice(lake, source, d, expected: str) -> ingest.BatchResult:
    first = ingest.ingest_batch(source, d, lake)
    assert first.status == expected, first.messages
    again = ingest.ingest_batch(source, d, lake)
    assert again.status in ("unchanged", expected), again.messages
    return first


def test_a_json_array_nested_100k_deep_is_rejected_alone(lake, landing):
    deep = ("[" + "[" * DEEP + "]" * DEEP + "]").encode()
    d = make_batch(landing, TAX.id, BATCH, {"nsr_202610_part1.json": good_json(), "nsr_202610_part2.json": deep})
    r = _not_failed_twice(lake, TAX, d, "loaded")
    assert (r.files_rejected, r.rows_written) == (1, 2)
    assert len(read_raw(lake, TAX.id, BATCH)) == 2
    summary, stored = _quarantine(lake, TAX.id)
    [rejected] = summary["rejected"]
    assert rejected["file"] == "nsr_202610_part2.json"
    assert "nested too deeply" in rejected["reason"]
    assert "nsr_202610_part2.json" in stored and "nsr_202610_part2.json.reason.txt" in stored
    assert any("nsr_202610_part2.json" in m and "nested too deeply" in m for m in r.messages)


def test_a_json_lines_record_nested_100k_deep_is_quarantined_alone(lake, landing):
    deep = "[" * DEEP + "]" * DEEP
    d = make_batch(
        landing,
        LIC.id,
        BATCH,
        {
            "dzzz_20261001_part1.jsonl": jsonl_bytes([licence(1), licence(2)]),
            "dzzz_20261001_part2.jsonl": jsonl_bytes([licence(3), deep, licence(4)]),
        },
    )
    r = _not_failed_twice(lake, LIC, d, "loaded")
    assert (r.rows_written, r.rows_quarantined, r.files_rejected) == (4, 1, 0)
    [row] = read_quarantined_rows(lake, LIC.id, BATCH)
    assert (row["file"], row["line"], row["reason"]) == ("dzzz_20261001_part2.jsonl", 2, "too_deeply_nested")


def test_a_json_lines_file_opening_with_a_deep_record_is_still_read(lake, landing):
    deep = "{" + '"a":' * 1 + "[" * DEEP + "]" * DEEP + "}"
    d = make_batch(landing, LIC.id, BATCH, {"dzzz_20261001.jsonl": jsonl_bytes([deep, licence(1)])})
    r = _not_failed_twice(lake, LIC, d, "loaded")
    assert (r.rows_written, r.rows_quarantined) == (1, 1)


@pytest.mark.parametrize("content", [b"not json at all", None], ids=["unreadable", "readable"])
def test_a_250_byte_file_name_is_quarantined_under_a_bounded_name(lake, landing, content):
    stem = "nsr_202610_part"
    long = stem + "0" * (250 - len(stem) - len("7.json")) + "7.json"
    assert len(long.encode()) == 250 and TAX.file_regex.match(long)
    d = make_batch(landing, TAX.id, BATCH, {"nsr_202610_part1.json": good_json(), long: content or good_json(3)})
    r = _not_failed_twice(lake, TAX, d, "loaded")
    if content is None:  # a long name alone is no reason to reject anything
        assert (r.files_rejected, r.rows_written) == (0, 5)
        assert {x["_file"] for x in read_raw(lake, TAX.id, BATCH)} == {"nsr_202610_part1.json", long}
        return
    assert (r.files_rejected, r.rows_written) == (1, 2)
    summary, stored = _quarantine(lake, TAX.id)
    [rejected] = summary["rejected"]
    assert rejected["file"] == long
    assert "not a valid JSON array" in rejected["reason"]
    copy = lake.quarantine_partition(TAX.id, BATCH) / "rejected" / rejected["stored_as"]
    assert copy.read_bytes() == content
    assert rejected["stored_as"] + ".reason.txt" in stored
    assert long in (copy.parent / (rejected["stored_as"] + ".reason.txt")).read_text(encoding="utf-8")


def test_a_file_name_that_is_not_utf8_is_rejected_alone_with_a_printable_name(lake, landing):
    d = make_batch(landing, TAX.id, BATCH, {"nsr_202610.json": good_json()})
    bad = os.fsencode(d) + b"/nsr_202610_part2\xff\xfe.json"
    with open(bad, "wb") as f:
        f.write(good_json(1))
    r = _not_failed_twice(lake, TAX, d, "loaded")
    assert (r.files_rejected, r.rows_written) == (1, 2)
    summary, stored = _quarantine(lake, TAX.id)
    [rejected] = summary["rejected"]
    assert rejected["file"] == "nsr_202610_part2\\xff\\xfe.json"
    assert "not valid UTF-8" in rejected["reason"]
    copy = lake.quarantine_partition(TAX.id, BATCH) / "rejected" / rejected["stored_as"]
    assert copy.read_bytes() == good_json(1)
    assert all("\udcff" not in m for m in r.messages)
    json.dumps(r.messages).encode("utf-8")


def test_a_reader_bug_rejects_its_file_alone(lake, landing, monkeypatch):
    import ingest.readers.json_array as json_array

    real = json_array.read_json

    def flaky(ctx):
        if ctx.file_name.endswith("part2.json"):
            raise KeyError("boom")
        return real(ctx)

    monkeypatch.setattr(json_array, "read_json", flaky)
    d = make_batch(landing, TAX.id, BATCH, {"nsr_202610_part1.json": good_json(), "nsr_202610_part2.json": good_json()})
    r = ingest.ingest_batch(TAX, d, lake)
    assert (r.status, r.files_rejected, r.rows_written) == ("loaded", 1, 2), r.messages
    summary, _ = _quarantine(lake, TAX.id)
    [rejected] = summary["rejected"]
    assert rejected["reason"] == "nsr_202610_part2.json: reader_error: KeyError: 'boom'"


def test_a_geojson_geometry_nested_100k_deep_is_rejected_alone(lake, landing):
    land = REG.sources["zrzy.land_parcel"]
    props = {"zddm": "371625013011JC24618", "tdyt": "0601", "mj": "1.5", "qlr": None, "qlrzjh": None, "xzqh": "371625"}
    ring = [[118.0, 37.2], [118.1, 37.2], [118.1, 37.3], [118.0, 37.2]]
    feature = {"type": "Feature", "properties": props, "geometry": {"type": "Polygon", "coordinates": [ring]}}
    good = json.dumps({"type": "FeatureCollection", "features": [feature]}).encode()
    deep = good.replace(b'"coordinates": [', b'"coordinates": [' + b"[" * DEEP + b"]" * DEEP + b",", 1)
    d = make_batch(landing, land.id, BATCH, {"zd_2026Q4_part1.geojson": good, "zd_2026Q4_part2.geojson": deep})
    r = _not_failed_twice(lake, land, d, "loaded")
    assert (r.files_rejected, r.rows_written) == (1, 1)
    summary, _ = _quarantine(lake, land.id)
    [rejected] = summary["rejected"]
    assert rejected["file"] == "zd_2026Q4_part2.geojson" and "nested too deeply" in rejected["reason"]


@pytest.mark.parametrize(
    "error",
    [OSError(28, "No space left on device"), IntegrityError("a reader's own check failed")],
    ids=["disk_full", "integrity"],
)
def test_the_lakes_own_failures_still_fail_the_batch(lake, landing, monkeypatch, error):
    import ingest.readers.json_array as json_array

    def broken(ctx):
        raise error

    monkeypatch.setattr(json_array, "read_json", broken)
    d = make_batch(landing, TAX.id, BATCH, {"nsr_202610.json": good_json()})
    r = ingest.ingest_batch(TAX, d, lake)
    assert r.status == "failed", r.messages
    assert not lake.raw_partition(TAX.id, BATCH).exists()
    assert not lake.quarantine_partition(TAX.id, BATCH).exists()
