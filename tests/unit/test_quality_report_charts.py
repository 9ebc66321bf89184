"""The steward report's charts tell near-perfect scores apart and show missing deliveries
(issue 13: a heatmap uniformly green, trend lines drawn across months without batches)."""

from __future__ import annotations

from quality.report.charts import department_cycles, failure_position, with_gaps


def test_the_heatmap_scale_tells_99_8_from_100_further_apart_than_95_from_0_is_per_point():
    top = failure_position(100) - failure_position(99.8)
    bottom_per_point = (failure_position(95) - failure_position(0)) / 95
    assert abs(top) > 1.0  # over a quarter of the scale's width (4)
    assert abs(top) > 50 * abs(bottom_per_point)


def test_the_heatmap_scale_runs_from_no_failures_to_all():
    assert (failure_position(100), failure_position(0)) == (-2.0, 2.0)
    assert failure_position(99.995) == failure_position(100)  # under 0.01 % failing: as good as none


def test_a_trend_line_breaks_where_a_monthly_delivery_is_missing():
    points = [{"batch": b, "score": 99.0} for b in ("2026-07-01", "2026-08-01", "2026-10-01")]
    x, y = with_gaps(points, 31)
    assert x == ["2026-07-01", "2026-08-01", None, "2026-10-01"]
    assert y == [99.0, 99.0, None, 99.0]


def test_daily_batches_in_a_row_stay_joined():
    points = [{"batch": b, "score": 100.0} for b in ("2026-10-01", "2026-10-02", "2026-10-03")]
    assert with_gaps(points, 1)[0] == ["2026-10-01", "2026-10-02", "2026-10-03"]


def test_a_departments_cycle_is_its_most_frequent_sources():
    cycles = department_cycles()
    assert cycles["gaj"] == 1  # the household register, daily
    assert cycles["zrzy"] == 31  # standard addresses monthly, land parcels quarterly
