"""Which batches are complete, which files a batch holds, and the header contract."""

from __future__ import annotations

import pytest

from govlake.registry import load_registry
from ingest import find_complete_batches
from ingest.batches import classify_files
from ingest.readers.base import HeaderMismatch, check_header
from tests.lake_fixtures import make_batch

REG = load_registry()
HJ = REG.sources["gaj.household_register"]


def test_complete_batches_only_sorted_by_date(tmp_path):
    for day, ready in [("2026-10-03", True), ("2026-10-01", True), ("2026-10-02", False)]:
        make_batch(tmp_path, HJ.id, day, {"hjrk_20261001.csv": b"x"}, ready=ready)
    (tmp_path / HJ.id / "not-a-date").mkdir()
    found = find_complete_batches(tmp_path, HJ)
    assert [p.name for p in found] == ["2026-10-01", "2026-10-03"]
    assert find_complete_batches(tmp_path, REG.sources["scjg.patent"]) == []


def test_split_parts_load_in_natural_order_and_strays_are_flagged(tmp_path):
    d = make_batch(
        tmp_path,
        HJ.id,
        "2026-10-01",
        {
            "hjrk_20261001_part10.csv": b"",
            "hjrk_20261001_part2.csv": b"",
            "hjrk_20261001_part1.csv": b"",
            "readme.txt": b"",
            "hjrk_2026100.csv": b"",
        },
    )
    files = classify_files(d, HJ)
    assert [p.name for p in files.data] == [
        "hjrk_20261001_part1.csv",
        "hjrk_20261001_part2.csv",
        "hjrk_20261001_part10.csv",
    ]
    assert sorted(p.name for p in files.unexpected) == ["hjrk_2026100.csv", "readme.txt"]


def test_header_may_be_reordered_but_not_changed():
    headers = list(HJ.headers)
    assert check_header(HJ, "f.csv", headers[::-1]) == {h: HJ.headers[h] for h in headers[::-1]}

    with pytest.raises(HeaderMismatch) as e:
        check_header(HJ, "f.csv", headers[:3] + ["出生年月"] + headers[4:] + ["备注"])
    msg = str(e.value)
    assert "missing 出生日期 (birth_date)" in msg
    assert "unexpected 出生年月, 备注" in msg
    assert "possibly renamed 出生日期 → 出生年月" in msg
    assert e.value.missing == ["出生日期"] and e.value.unexpected == ["出生年月", "备注"]

    with pytest.raises(HeaderMismatch, match="duplicated 姓名"):
        check_header(HJ, "f.csv", headers + ["姓名"])
