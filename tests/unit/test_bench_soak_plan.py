"""bench/soak_plan.py: which batches the soak delivers on each day of one generated world,
and the no-creep targets (the soak itself: bench/soak.py; its end-to-end run:
tests/integration/test_bench_soak.py)."""

from __future__ import annotations

import random
from datetime import date, timedelta
from pathlib import Path

import pytest

from govlake.registry import load_registry
from synth import generate_city
from tests.bench_modules import load_bench

END = date(2026, 11, 2)


@pytest.fixture(scope="module")
def plan():
    return load_bench("soak_plan")


@pytest.fixture(scope="module")
def soak_city(plan, tmp_path_factory) -> tuple[Path, date, int]:
    """A 300-person city generated for a 12-day soak ending at END."""
    days = 12
    start, daily_days = plan.soak_span(END, days)
    out = tmp_path_factory.mktemp("soak-city")
    generate_city(out, persons=300, seed=5, end_date=END, daily_days=daily_days)
    return out, start, days


def test_every_generated_batch_up_to_the_last_day_is_delivered_exactly_once(plan, soak_city):
    landing, start, days = soak_city
    delivered = [b for batches in plan.plan_days(landing, start, days).values() for b in batches]
    assert sorted(delivered) == plan.batch_dirs(landing)
    assert len(set(delivered)) == len(delivered)


def test_day_k_delivers_the_batches_dated_start_plus_k(plan, soak_city):
    landing, start, days = soak_city
    for k, batches in plan.plan_days(landing, start, days).items():
        if k:
            assert {b.name for b in batches} <= {(start + timedelta(days=k)).isoformat()}


def test_day_0_delivers_the_history_up_to_the_start(plan, soak_city):
    landing, start, days = soak_city
    history = plan.plan_days(landing, start, days)[0]
    assert max(b.name for b in history) == start.isoformat()
    assert min(b.name for b in history) < (start - timedelta(days=4)).isoformat()  # monthly and quarterly ones


def test_every_daily_source_delivers_on_every_day_but_its_missing_batch(plan, soak_city):
    landing, start, days = soak_city
    daily = {sid for sid, s in load_registry().sources.items() if s.delivery.cadence == "daily"}
    by_day = plan.plan_days(landing, start, days)
    for k in range(1, days + 1):
        assert {b.parent.name for b in by_day[k]} >= daily - {"wjw.death_record"}, k
    deaths = sum(b.parent.name == "wjw.death_record" for k in range(1, days + 1) for b in by_day[k])
    assert deaths >= days - 1


def test_a_monthly_source_delivers_on_the_first_of_a_month_inside_the_soak(plan, soak_city):
    landing, start, days = soak_city
    first = date(2026, 11, 1)
    k = (first - start).days
    assert 1 <= k <= days
    assert "mzj.marriage_register" in {b.parent.name for b in plan.plan_days(landing, start, days)[k]}


def test_batches_dated_after_the_last_day_are_not_delivered(plan, soak_city):
    landing, start, days = soak_city
    shorter = plan.plan_days(landing, start, days - 3)
    assert max(b.name for batches in shorter.values() for b in batches) == (start + timedelta(days - 3)).isoformat()


def test_windows_are_ten_days_or_half_a_shorter_soak(plan):
    assert [plan.window(n) for n in (1, 4, 19, 20, 30, 60)] == [0, 2, 9, 10, 10, 10]


def day(seconds: float, rss: int, warehouse: int, lake: int, raw_rows: int) -> dict:
    return {
        "seconds": seconds,
        "peak_rss_mb": rss,
        "warehouse_bytes": warehouse,
        "lake_bytes": lake,
        "raw_rows": raw_rows,
    }


def test_a_steady_soak_meets_every_target_while_its_data_grows(plan):
    rnd = random.Random(1)
    days = [
        day(60 + rnd.uniform(-5, 5), 900, 10**6 * (k + 10), 3 * 10**6 * (k + 10), 1000 * (k + 10)) for k in range(30)
    ]
    ev = plan.evaluate(days)
    assert ev["window_days"] == 10
    assert all(m["met"] for m in ev["measures"].values() if m["target"])
    assert ev["measures"]["warehouse_bytes_per_raw_row"]["ratio"] == pytest.approx(1.0)


def test_creeping_wall_time_misses_its_target(plan):
    days = [day(60 * (1 + 0.02 * k), 900, 10**6, 10**6, 1000) for k in range(30)]
    m = plan.evaluate(days)["measures"]["wall_seconds"]
    assert m["met"] is False and m["ratio"] == pytest.approx(
        sum(1.4 + 0.02 * i for i in range(10)) / sum(1 + 0.02 * i for i in range(10)), rel=1e-3
    )


def test_a_warehouse_growing_faster_than_the_raw_rows_misses_its_target(plan):
    days = [day(60, 900, 10**6 * (k + 10) ** 2, 10**6, 1000 * (k + 10)) for k in range(30)]
    ev = plan.evaluate(days)
    assert ev["measures"]["warehouse_bytes_per_raw_row"]["met"] is False
    assert ev["measures"]["peak_rss_mb"]["met"] is True


def test_the_lake_per_raw_row_is_reported_but_not_a_target(plan):
    days = [day(60, 900, 10**6, 10**6 * (k + 1) ** 3, 1000) for k in range(30)]
    m = plan.evaluate(days)["measures"]["lake_bytes_per_raw_row"]
    assert m["target"] is False and m["met"] is None and m["ratio"] > 1.2


def test_a_one_day_soak_has_no_windows_to_compare(plan):
    ev = plan.evaluate([day(60, 900, 10**6, 10**6, 1000)])
    assert ev["window_days"] == 0 and all(m["ratio"] is None for m in ev["measures"].values())


def test_a_file_rejected_on_a_day_of_the_soak_comes_back_corrected_the_next_day(plan):
    start = date(2026, 10, 3)
    broken = [Path("gaj.household_register/2026-10-05/hh.csv"), Path("swj.taxpayer/2026-10-04/tax.csv")]
    answers = plan.correction_days(broken, start, 5)
    assert answers[2] == [broken[1]] and answers[3] == [broken[0]]
    assert sum(len(v) for v in answers.values()) == 2


def test_the_historys_files_rejected_whole_arrive_corrected_with_the_history(plan):
    start = date(2026, 10, 3)
    broken = [Path("tjj.macro_indicator/2026-09-01/m.csv"), Path("scjg.patent/2026-10-03/p.json")]
    answers = plan.correction_days(broken, start, 5)
    assert answers[0] == broken and not any(answers[k] for k in range(1, 6))


def test_a_file_rejected_on_the_last_day_is_not_answered_within_the_soak(plan):
    start = date(2026, 10, 3)
    answers = plan.correction_days([Path("scjg.patent/2026-10-08/p.json")], start, 5)
    assert not any(answers.values())
