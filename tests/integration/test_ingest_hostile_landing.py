"""Hostile deliveries in the landing zone (issue 12, items 3, 4 and 8): batches dated
in the future, symlinks to files and folders outside the lake, file names ending in
a newline. Real ingestion (ingest.ingest_landing) on fixtures generated in tmp_path."""

from __future__ import annotations

import json
import os

import pytest

import ingest
from conductor.pipeline import pending_batches
from conductor.reporting import lake_summary
from govlake.registry import load_registry
from ingest.batches import READY
from ingest.log import read_attempts
from tests.lake_fixtures import csv_bytes, household_row, make_batch, read_raw, use_limits

REG = load_registry()
HJ = REG.sources["gaj.household_register"]
HEADER = list(HJ.headers)
TODAY = "2026-10-05"


def person(i: int) -> list[str]:
    return household_row(i)


def gb(rows) -> bytes:
    return csv_bytes(HEADER, rows, encoding="gb18030")


def file_for(batch: str) -> str:
    return f"hjrk_{batch.replace('-', '')}.csv"


@pytest.fixture
def today(monkeypatch):
    monkeypatch.setenv("GOVLAKE_TODAY", TODAY)
    return TODAY


def by_batch(results):
    return {r.batch: r for r in results}


# --- item 3: batches dated in the future -------------------------------------------


def test_a_future_batch_is_refused_to_quarantine_and_the_others_load(lake, landing, today):
    for batch in ("2026-10-04", "2026-10-06", "2099-12-31"):  # today, within tolerance, future
        make_batch(landing, HJ.id, batch, {file_for(batch): gb([person(1)])})
    results = by_batch(ingest.ingest_landing(landing, lake))
    assert results["2026-10-04"].status == "loaded"
    assert results["2026-10-06"].status == "loaded"  # tomorrow: within the 1-day tolerance
    r = results["2099-12-31"]
    assert r.status == "rejected"
    assert any(HJ.id in m and "2099-12-31" in m and TODAY in m for m in r.messages), r.messages
    assert not lake.raw_partition(HJ.id, "2099-12-31").exists()
    q = lake.quarantine_partition(HJ.id, "2099-12-31")
    summary = json.loads((q / "_quarantine.json").read_text(encoding="utf-8"))
    assert summary["outcome"] == "rejected" and summary["refused"] == "future_batch"
    assert TODAY in summary["reason"]
    assert any(p.name.endswith(".reason.txt") for p in q.rglob("*"))
    log = [a for a in read_attempts(lake, HJ.id) if a["batch"] == "2099-12-31"]
    assert log and log[-1]["status"] == "rejected"
    assert any(TODAY in m and "2099-12-31" in m for m in log[-1]["messages"])
    # the refused batch is not pending forever, and the status summary copes
    assert "2099-12-31" not in pending_batches(HJ.id, lake, landing)
    (summary_row,) = [s for s in lake_summary(lake) if s.source_id == HJ.id]
    assert summary_row.batches == 2 and summary_row.last_batch == "2026-10-06"


def test_the_tolerance_comes_from_the_config(lake, landing, today, monkeypatch, tmp_path):
    use_limits(monkeypatch, tmp_path / "limits.yaml", {"future_batch_tolerance_days": 0})
    make_batch(landing, HJ.id, "2026-10-06", {file_for("2026-10-06"): gb([person(1)])})
    (r,) = ingest.ingest_landing(landing, lake)
    assert r.status == "rejected"
    assert any("0 day(s)" in m for m in r.messages), r.messages


def test_the_default_tolerance_is_one_day():
    from ingest.batches import future_tolerance_days

    assert future_tolerance_days() == 1


def test_a_refused_future_batch_is_not_rewritten_on_a_second_run(lake, landing, today):
    make_batch(landing, HJ.id, "2099-12-31", {file_for("2099-12-31"): gb([person(1)])})
    ingest.ingest_landing(landing, lake)
    summary = lake.quarantine_partition(HJ.id, "2099-12-31") / "_quarantine.json"
    before = summary.read_text(encoding="utf-8")
    (r,) = ingest.ingest_landing(landing, lake)
    assert r.status == "rejected"
    assert summary.read_text(encoding="utf-8") == before


# --- item 4: symlinks ---------------------------------------------------------------


@pytest.fixture
def outside(tmp_path):
    d = tmp_path / "outside"
    d.mkdir()
    (d / "secret.txt").write_text("root:x:0:0:SECRET-LINE\n", encoding="utf-8")
    (d / file_for("2026-10-01")).write_bytes(gb([person(7)]))
    return d


def no_secret_in(root) -> None:
    for p in root.rglob("*"):
        if p.is_file() and not p.is_symlink():
            assert b"SECRET-LINE" not in p.read_bytes(), p
            assert p.name != "secret.txt", p


def test_symlinked_files_are_refused_and_the_rest_of_the_batch_loads(lake, landing, outside, today, caplog):
    d = make_batch(landing, HJ.id, "2026-10-01", {"hjrk_20261001_part1.csv": gb([person(1)])})
    (d / "hjrk_20261001_part2.csv").symlink_to(outside / file_for("2026-10-01"))  # an outside CSV
    (d / "passwd").symlink_to(outside / "secret.txt")  # an outside file, not data
    (d / "folder").symlink_to(outside, target_is_directory=True)  # an outside folder
    (r,) = ingest.ingest_landing(landing, lake)
    assert r.status == "loaded"
    rows = read_raw(lake, HJ.id, "2026-10-01")
    assert [x["_file"] for x in rows] == ["hjrk_20261001_part1.csv"]
    q = lake.quarantine_partition(HJ.id, "2026-10-01")
    summary = json.loads((q / "_quarantine.json").read_text(encoding="utf-8"))
    refused = {e["file"]: e["reason"] for e in summary["rejected"]}
    assert refused == {"hjrk_20261001_part2.csv": "symlink", "passwd": "symlink", "folder": "symlink"}
    no_secret_in(lake.home)
    assert not (q / "rejected" / "passwd").exists() and not (q / "rejected" / "folder").exists()
    assert "SECRET-LINE" not in caplog.text and not any("SECRET-LINE" in m for m in r.messages)
    (again,) = ingest.ingest_landing(landing, lake)  # re-running the same delivery changes nothing
    assert again.status == "unchanged"


def test_a_symlinked_batch_directory_is_refused_whole(lake, landing, outside, today):
    make_batch(landing, HJ.id, "2026-10-02", {file_for("2026-10-02"): gb([person(2)])})
    (outside / READY).touch()
    (landing / HJ.id / "2026-10-01").symlink_to(outside, target_is_directory=True)
    results = by_batch(ingest.ingest_landing(landing, lake))
    assert results["2026-10-02"].status == "loaded"
    r = results["2026-10-01"]
    assert r.status == "rejected" and any("symlink" in m for m in r.messages)
    assert not lake.raw_partition(HJ.id, "2026-10-01").exists()
    summary = json.loads(
        (lake.quarantine_partition(HJ.id, "2026-10-01") / "_quarantine.json").read_text(encoding="utf-8")
    )
    assert summary["refused"] == "symlink"
    no_secret_in(lake.home)
    assert "2026-10-01" not in pending_batches(HJ.id, lake, landing)
    lake_summary(lake)


def test_a_symlinked_source_directory_is_not_read(lake, landing, outside, today):
    make_batch(outside, "x", "2026-10-01", {file_for("2026-10-01"): gb([person(3)])})
    landing.mkdir()
    (landing / HJ.id).symlink_to(outside / "x", target_is_directory=True)
    results = ingest.ingest_landing(landing, lake)
    assert all(r.status != "loaded" for r in results)
    assert not (lake.raw / HJ.id).exists() or not any((lake.raw / HJ.id).glob("batch=*/_SUCCESS"))
    assert pending_batches(HJ.id, lake, landing) == []


@pytest.mark.skipif(os.name != "posix", reason="file names with a newline")
def test_a_file_name_ending_in_a_newline_is_not_data(lake, landing, today):
    d = make_batch(landing, HJ.id, "2026-10-01", {file_for("2026-10-01"): gb([person(1)])})
    (d / (file_for("2026-10-01") + "\n")).write_bytes(gb([person(2)]))
    (r,) = ingest.ingest_landing(landing, lake)
    assert r.status == "loaded" and r.files_rejected == 1
    assert [x["_file"] for x in read_raw(lake, HJ.id, "2026-10-01")] == [file_for("2026-10-01")]
