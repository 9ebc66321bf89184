"""The statistics bench/gateway.py reports: percentiles, per-kind latency, errors and the plan of
requests (the benchmark's run itself: tests/integration/test_bench_gateway.py)."""

from __future__ import annotations

import random
import statistics

import pytest

from tests.bench_modules import load_bench


@pytest.fixture(scope="module")
def bench():
    return load_bench("gateway")


def test_the_median_of_a_sample_is_statistics_median(bench):
    rnd = random.Random(7)
    for n in (1, 2, 5, 100, 101):
        values = [rnd.uniform(0, 100) for _ in range(n)]
        assert bench.percentile(values, 50) == pytest.approx(statistics.median(values))


def test_percentiles_interpolate_between_the_closest_ranks_like_statistics_quantiles(bench):
    rnd = random.Random(8)
    values = [rnd.expovariate(0.1) for _ in range(257)]
    cuts = statistics.quantiles(values, n=100, method="inclusive")  # cuts[k-1] is the k-th percentile
    for q in (5, 50, 95, 99):
        assert bench.percentile(values, q) == pytest.approx(cuts[q - 1])


def test_the_extreme_percentiles_are_the_smallest_and_largest_values(bench):
    values = [3.0, 1.0, 2.0]
    assert (bench.percentile(values, 0), bench.percentile(values, 100)) == (1.0, 3.0)


def test_a_percentile_of_nothing_is_an_error(bench):
    with pytest.raises(ValueError):
        bench.percentile([], 50)


def test_latency_is_summarised_per_kind_from_successful_calls_only(bench):
    calls = [bench.Call("page", ms, 200) for ms in (10.0, 20.0, 30.0)]
    calls += [bench.Call("page", 5000.0, 500), bench.Call("sql", 40.0, 200), bench.Call("sql", 1.0, 0)]
    summary = bench.summarise(calls, seconds=2.0)
    assert summary["latency"]["page"]["count"] == 3
    assert summary["latency"]["page"]["max_ms"] == 30.0
    assert summary["latency"]["sql"]["p50_ms"] == 40.0


def test_every_answer_but_200_and_every_failed_connection_is_an_error(bench):
    calls = [bench.Call("page", 1.0, s) for s in (200, 200, 429, 500, 0, 0)]
    summary = bench.summarise(calls, seconds=1.0)
    assert summary["errors"] == 4
    assert summary["errors_by_status"] == {"429": 1, "500": 1, "0": 2}


def test_throughput_counts_every_request_over_the_wall_time(bench):
    calls = [bench.Call("page", 1.0, 200)] * 30 + [bench.Call("sql", 1.0, 503)] * 10
    assert bench.summarise(calls, seconds=4.0)["throughput_rps"] == 10.0


def test_the_plan_is_the_same_for_the_same_seed_and_differs_per_client(bench):
    first, again = bench.plan(3, 50, 10_000, seed=42), bench.plan(3, 50, 10_000, seed=42)
    assert first == again
    assert first[0] != first[1]


def test_the_plan_mixes_pages_within_the_table_and_queries_about_four_to_one(bench):
    work = bench.plan(20, 200, rows=12_345, seed=1)
    calls = [c for client in work for c in client]
    pages = [arg for kind, arg in calls if kind == "page"]
    assert all(1 <= p <= 124 for p in pages)  # 12,345 rows in pages of 100
    assert len(set(pages)) > 100
    assert {arg for kind, arg in calls if kind == "sql"} == set(bench.QUERIES)
    assert 0.75 < len(pages) / len(calls) < 0.85
