"""bench/soak.py end to end on a tiny city: the history, then two days of deliveries, each a
whole `govlake run` on the same lake, measured and plotted (the day planning and the targets
alone: tests/unit/test_bench_soak_plan.py)."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest

from govlake.registry import load_registry

ROOT = Path(__file__).resolve().parents[2]
END = date(2026, 11, 2)

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def soak(tmp_path_factory) -> tuple[dict, Path]:
    work = tmp_path_factory.mktemp("soak")
    out, png = work / "soak.json", work / "soak.png"
    cmd = [sys.executable, str(ROOT / "bench" / "soak.py"), "--persons", "300", "--days", "2", "--end", str(END)]
    cmd += ["--work", str(work), "--out", str(out), "--plot", str(png)]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    return json.loads(out.read_text(encoding="utf-8")), png


def test_the_soak_records_the_history_and_each_day(soak):
    results, _ = soak
    assert [d["day"] for d in results["days"]] == [0, 1, 2]
    assert [d["date"] for d in results["days"]] == [(END - timedelta(days=2 - k)).isoformat() for k in range(3)]
    assert all(d["outcome"] in ("ok", "held") for d in results["days"])


def test_each_day_delivers_that_days_batch_of_every_daily_source(soak):
    results, _ = soak
    daily = {sid for sid, s in load_registry().sources.items() if s.delivery.cadence == "daily"}
    for d in results["days"][1:]:
        assert {b.split("/")[1] for b in d["delivered"]} == {d["date"]}
        assert {b.split("/")[0] for b in d["delivered"]} >= daily - {"wjw.death_record"}


def test_the_raw_layer_grows_by_each_days_rows_and_curated_is_counted(soak):
    results, _ = soak
    raw = [d["raw_rows"] for d in results["days"]]
    assert raw[0] > 0 and raw[0] < raw[1] < raw[2]
    assert all(d["warehouse_rows"] > 0 and d["warehouse_bytes"] > 0 for d in results["days"])
    assert all(d["lake_bytes"] > d["warehouse_bytes"] for d in results["days"])


def test_each_day_is_measured_as_a_process_tree(soak):
    results, _ = soak
    for d in results["days"]:
        assert d["seconds"] > 0 and d["cpu_s"] > 0 and d["peak_rss_mb"] > 50


def test_the_targets_compare_the_first_and_last_day_of_a_two_day_soak(soak):
    ev = soak[0]["evaluation"]
    assert ev["window_days"] == 1
    wall = ev["measures"]["wall_seconds"]
    days = soak[0]["days"]
    assert wall["ratio"] == pytest.approx(days[2]["seconds"] / days[1]["seconds"], rel=1e-2)


def test_the_plot_is_a_png(soak):
    _, png = soak
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_held_day_names_the_batches_the_gate_held(soak):
    results, _ = soak
    for d in results["days"]:
        assert (d["outcome"] == "held") == bool(d["held_batches"]), d["day"]


def test_a_file_rejected_whole_comes_back_corrected_the_next_day_and_its_batch_is_then_let_through(soak):
    days = soak[0]["days"]
    assert any(d["redelivered"] for d in days[1:]), "the tiny city should break a file inside the soak"
    for before, d in zip(days, days[1:], strict=False):
        for rel in d["redelivered"]:
            batch = "/".join(Path(rel).parts[:2])
            assert batch in before["held_batches"] and batch not in d["held_batches"], (d["day"], rel)
