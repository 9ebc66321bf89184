"""The CSV-injection rule of every export (govlake/spreadsheet.py): text a spreadsheet would
evaluate gets a leading apostrophe, in Python and in its vectorised form alike."""

from __future__ import annotations

import re

import pytest

from govlake.spreadsheet import FORMULA_PATTERN, defused

RISKY = ["=1+1", "+1", "-1+2", "@SUM(A1)", "\tx", "\rx"]
SAFE = ["张三", "1-2", "a=b", " =1", "", "'=1"]


@pytest.mark.parametrize("value", RISKY)
def test_formula_like_text_gets_a_leading_apostrophe(value):
    assert defused(value) == "'" + value


@pytest.mark.parametrize("value", SAFE)
def test_other_text_is_left_as_it_is(value):
    assert defused(value) == value


def test_numbers_and_none_are_left_as_they_are():
    assert [defused(v) for v in (-5, 1.5, None)] == [-5, 1.5, None]


def test_the_pattern_matches_exactly_what_defused_changes():
    assert [bool(re.search(FORMULA_PATTERN, v)) for v in RISKY + SAFE] == [defused(v) != v for v in RISKY + SAFE]
