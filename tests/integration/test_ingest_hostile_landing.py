"""Hostile deliveries in the landing zone (issue 12): batches dated in the future.
Real ingestion (ingest.ingest_landing) on fixtures generated in tmp_path."""

from __future__ import annotations

import json

import pytest

import ingest
from conductor.pipeline import pending_batches
from conductor.reporting import lake_summary
from govlake.registry import load_registry
from ingest.log import read_attempts
from tests.lake_fixtures import csv_bytes, make_batch

REG = load_registry()
HJ = REG.sources["gaj.household_register"]
HEADER = list(HJ.headers)
TODAY = "2026-10-05"


def person(i: int) -> list[str]:
    return [
        f"3723231940071171{i:02d}",
        "叶帅",
        "1",
        "19400711",
        "01",
        f"37162200000{i:02d}",
        "02",
        f"山东省滨州市阳信县市中镇后东村{i}号",
        "371622",
        "",
        "2018-02-13 17:13:47",
    ]


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
    import ingest.batches as batches

    limits = tmp_path / "limits.yaml"
    limits.write_text("future_batch_tolerance_days: 0\n", encoding="utf-8")
    monkeypatch.setattr(batches, "LIMITS", limits)
    batches.future_tolerance_days.cache_clear()
    try:
        make_batch(landing, HJ.id, "2026-10-06", {file_for("2026-10-06"): gb([person(1)])})
        (r,) = ingest.ingest_landing(landing, lake)
    finally:
        monkeypatch.undo()
        batches.future_tolerance_days.cache_clear()
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
