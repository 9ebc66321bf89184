"""The one line a build leaves on the console and in the task log instead of dbt's output."""

from __future__ import annotations

from pathlib import Path

from conductor.pipeline import transform_summary
from govlake.settings import Lake

LAKE = Lake(Path("/lake"))


def _result(problems: list[dict]) -> dict:
    return {"args": ["build"], "seconds": 12.4, "counts": {"success": 47, "pass": 212, "warn": 2}, "problems": problems}


def test_a_clean_build_is_its_counts_and_time():
    assert transform_summary(_result([]), LAKE) == "dbt build: 212 pass, 47 success, 2 warn in 12 s"


def test_warnings_and_errors_are_counted_and_point_at_where_to_read_them():
    line = transform_summary(_result([{"status": "warn"}, {"status": "warn"}, {"status": "error"}]), LAKE)
    assert "2 warnings, 1 error: /lake/dbt/run_results.json (log /lake/dbt/logs/dbt.log)" in line
    assert "\n" not in line


def test_a_build_with_nothing_to_do_says_why():
    result = {"args": [], "plan": {"reason": "no raw data changed since the last complete build"}}
    assert transform_summary(result, LAKE) == "dbt build: no raw data changed since the last complete build"
