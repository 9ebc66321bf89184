"""A longer daily span (synth.timeline.Timeline.ending(end, days)): one world delivered over
more days, what bench/soak.py replays day by day."""

from __future__ import annotations

import filecmp
from datetime import date, timedelta

import pytest

from synth import generate_city
from synth.timeline import Timeline


def test_the_default_span_is_the_five_day_calendar():
    assert Timeline.ending(date(2026, 10, 3), 5) == Timeline.ending(date(2026, 10, 3))
    assert len(Timeline.ending(date(2026, 10, 3)).daily) == 5


def test_a_35_day_span_has_35_consecutive_daily_batches_ending_at_the_end():
    t = Timeline.ending(date(2026, 11, 2), 35)
    assert t.daily == tuple(date(2026, 11, 2) - timedelta(days=34 - i) for i in range(35))


def test_two_monthly_batches_precede_the_daily_span_and_every_first_inside_it_has_one():
    t = Timeline.ending(date(2026, 11, 2), 35)  # the span 2026-09-29 … 2026-11-02 holds two 1sts
    assert t.monthly == (date(2026, 8, 1), date(2026, 9, 1), date(2026, 10, 1), date(2026, 11, 1))


def test_a_quarter_start_precedes_the_daily_span_and_every_one_inside_it_has_a_batch():
    t = Timeline.ending(date(2027, 1, 10), 120)  # 2026-09-13 … 2027-01-10: 2026-10-01 and 2027-01-01
    assert t.quarterly == (date(2026, 7, 1), date(2026, 10, 1), date(2027, 1, 1))
    assert t.start == date(2026, 7, 1)


def test_a_span_under_five_days_is_refused():
    with pytest.raises(ValueError, match="at least five"):
        Timeline.ending(date(2026, 10, 3), 4)


def test_a_city_of_the_default_span_is_the_same_when_the_span_is_given(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    generate_city(a, persons=200, seed=9)
    generate_city(b, persons=200, seed=9, daily_days=5)
    cmp = filecmp.dircmp(a, b)
    assert not (cmp.left_only or cmp.right_only or cmp.diff_files)
    for sub in cmp.subdirs.values():
        for batch in sub.subdirs.values():
            assert not (batch.left_only or batch.right_only or batch.diff_files)
