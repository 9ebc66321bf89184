"""bench/scaling.py, the scale benchmark's arithmetic: the scaling exponent, the issue's
targets, the merge of runs into the results file and the disk a run needs (the runs
themselves: bench/scale.py, bench/README.md)."""

from __future__ import annotations

import math
import random

import pytest

from tests.bench_modules import load_bench


@pytest.fixture(scope="module")
def scaling():
    return load_bench("scaling")


RUN = {"commit": "abc", "memory_limit": "8GB"}


def stage(seconds: float, rss_mb: int = 500, lake_bytes: int = 0, landing_bytes: int = 0) -> dict:
    return {
        "seconds": seconds,
        "cpu_s": seconds * 1.5,
        "peak_rss_mb": rss_mb,
        "lake_bytes": lake_bytes,
        "landing_bytes": landing_bytes,
    }


def measured_size(scaling, results: dict, persons: int, seconds_of, run=RUN, **kw) -> dict:
    for name in scaling.STAGES:
        scaling.merge_stage(results, persons, name, stage(seconds_of(name, persons), **kw), run)
    return results


def test_the_exponent_of_a_time_growing_as_a_power_of_the_size_is_that_power(scaling):
    rnd = random.Random(3)
    for _ in range(20):
        power, small = rnd.uniform(0.3, 2.0), rnd.randrange(1_000, 100_000)
        big = small * rnd.randrange(2, 100)
        t_small = rnd.uniform(0.5, 50)
        t_big = t_small * (big / small) ** power
        assert scaling.exponent(t_small, t_big, small, big) == pytest.approx(power)


def test_a_time_that_did_not_change_has_exponent_zero_and_a_zero_time_none(scaling):
    assert scaling.exponent(4.0, 4.0, 1_000_000, 10_000_000) == 0
    assert scaling.exponent(0.0, 4.0, 1_000_000, 10_000_000) is None


def test_exponents_are_given_per_stage_for_each_pair_of_consecutive_sizes(scaling):
    powers = {name: 0.8 + 0.05 * i for i, name in enumerate(scaling.STAGES)}
    results = {}
    for persons in (10_000_000, 1_000, 1_000_000):  # merged out of order
        measured_size(scaling, results, persons, lambda name, n: 2.0 * n ** powers[name])
    got = scaling.exponents(results)
    assert list(got) == ["1000->1000000", "1000000->10000000"]
    for pair in got.values():
        assert pair == {name: pytest.approx(p, abs=1e-3) for name, p in powers.items()}


def test_stages_whose_exponent_exceeds_1_1_are_named(scaling):
    results = {}
    slow = {"build", "daily_quality"}
    for persons in (1_000_000, 10_000_000):
        measured_size(scaling, results, persons, lambda name, n: n ** (1.3 if name in slow else 1.0) / 1e5)
    pair = scaling.evaluate(results)["pairs"]["1000000->10000000"]
    assert pair == {"exponents_at_most_1_1": False, "stages_above": sorted(slow)}


def test_a_size_completes_only_when_every_stage_was_measured(scaling):
    results = measured_size(scaling, {}, 1_000_000, lambda name, n: 10.0)
    del results["sizes"]["1000000"]["stages"]["daily_catalog"]
    size = scaling.evaluate(results)["sizes"]["1000000"]
    assert size["completes"] is False and size["missing_stages"] == ["daily_catalog"]


def test_a_stage_at_10_gb_or_more_misses_the_rss_target(scaling):
    results = measured_size(scaling, {}, 10_000_000, lambda name, n: 10.0, rss_mb=9_000)
    assert scaling.evaluate(results)["at_10m"]["rss_under_10_gb"] is True
    results["sizes"]["10000000"]["stages"]["build"]["peak_rss_mb"] = 10 * 1024
    size = scaling.evaluate(results)["sizes"]["10000000"]
    assert size["rss_under_10_gb"] is False and size["stages_over_10_gb"] == ["build"]


def test_the_daily_build_is_within_target_at_up_to_a_tenth_of_the_full_build(scaling):
    for daily, met in ((9.9, True), (10.0, True), (10.1, False)):
        results = measured_size(
            scaling, {}, 10_000_000, lambda name, n, daily=daily: daily if name == "daily_build" else 100.0
        )
        at_10m = scaling.evaluate(results)["at_10m"]
        assert at_10m["daily_within_10_percent"] is met, daily


def test_the_10m_verdict_is_absent_until_10m_is_measured(scaling):
    results = measured_size(scaling, {}, 1_000_000, lambda name, n: 10.0)
    assert scaling.evaluate(results)["at_10m"] is None


def test_merging_keeps_other_sizes_and_replaces_the_stage(scaling):
    results = measured_size(scaling, {}, 1_000_000, lambda name, n: 10.0)
    measured_size(scaling, results, 2_000, lambda name, n: 1.0)
    scaling.merge_stage(results, 2_000, "build", stage(7.0), RUN)
    assert results["sizes"]["1000000"]["stages"]["build"]["seconds"] == 10.0
    assert results["sizes"]["2000"]["stages"]["build"]["seconds"] == 7.0


def test_a_stage_measured_by_another_commit_or_memory_limit_is_not_resumed(scaling):
    results = measured_size(scaling, {}, 2_000, lambda name, n: 1.0)
    assert scaling.measured(results, 2_000, "build", RUN)["seconds"] == 1.0
    assert scaling.measured(results, 2_000, "build", {**RUN, "commit": "def"}) is None
    assert scaling.measured(results, 2_000, "build", {**RUN, "memory_limit": None}) is None


def test_a_new_commit_measuring_a_size_drops_the_older_commits_stages(scaling):
    results = measured_size(scaling, {}, 2_000, lambda name, n: 1.0)
    scaling.merge_stage(results, 2_000, "ingest", stage(3.0), {**RUN, "commit": "def"})
    assert results["sizes"]["2000"]["stages"] == {"ingest": stage(3.0)}
    assert results["sizes"]["2000"]["run"]["commit"] == "def"


def test_the_disk_a_size_needs_is_the_largest_smaller_run_scaled_with_headroom(scaling):
    results = {}
    for persons, lake in ((20_000, 10**8), (1_000_000, 6 * 10**9)):
        measured_size(scaling, results, persons, lambda name, n: 1.0, lake_bytes=lake, landing_bytes=lake // 3)
    need = scaling.disk_needed(10_000_000, results, landing_present=False)
    assert need == math.floor((6 * 10**9 + 2 * 10**9) * 10 * scaling.DISK_SAFETY)
    assert scaling.disk_needed(10_000_000, results, landing_present=True) == 6 * 10**10 * scaling.DISK_SAFETY
    assert scaling.disk_needed(20_000, results, landing_present=False) is None


def test_a_resumed_run_goes_on_after_the_stages_this_commit_measured_in_order(scaling):
    results = {}
    for name in scaling.STAGES[:4]:
        scaling.merge_stage(results, 2_000, name, stage(1.0), RUN)
    assert scaling.resumable(results, 2_000, RUN) == 4
    scaling.merge_stage(results, 2_000, scaling.STAGES[6], stage(1.0), RUN)  # after a gap
    assert scaling.resumable(results, 2_000, RUN) == 4


def test_nothing_is_resumed_from_another_commit_or_size(scaling):
    results = measured_size(scaling, {}, 2_000, lambda name, n: 1.0)
    assert scaling.resumable(results, 2_000, RUN) == len(scaling.STAGES)
    assert scaling.resumable(results, 2_000, {**RUN, "commit": "def"}) == 0
    assert scaling.resumable(results, 20_000, RUN) == 0
