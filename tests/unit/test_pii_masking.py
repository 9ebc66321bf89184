"""Masking by value pattern (govlake.pii): ID numbers and mobiles are hidden wherever they
stand in a text, whatever the column."""

from __future__ import annotations

import pytest

from govlake.pii import find_unmasked, mask_record, mask_text


def test_an_id_number_keeps_its_region_and_last_four():
    assert mask_text("371602199001011234") == "371602********1234"


def test_an_id_number_behind_a_prefix_is_found():
    assert mask_text("ID:37160219900101123X") == "ID:371602********123X"


def test_an_id_number_with_a_wrong_check_digit_is_masked_too():
    assert mask_text("371602199001011239") == "371602********1239"


def test_a_legacy_15_digit_number_is_masked():
    assert mask_text("旧号 371602900101123") == "旧号 371602******123"


def test_a_mobile_keeps_three_and_four():
    assert mask_text("tel 13812345678.") == "tel 138****5678."


def test_every_number_in_a_delivered_row_quoted_by_a_message_is_masked():
    row = "unexpected columns: 372323194007117101,叶帅,1,19400711,山东省滨州市,371622,14255563659"
    masked = mask_text(row)
    assert "372323194007117101" not in masked and "14255563659" not in masked
    assert "372323********7101" in masked and "142****3659" in masked


@pytest.mark.parametrize(
    "text",
    [
        "batch 2026-10-01 row 12",
        "20261001",
        "91371602MA3C12340W",  # a USCC
        "113700000045046442",  # a digits-only USCC: no birth date where an ID has one
        "x 2026100112345678901234 y",  # a longer digit run is no ID number
        "sha256 3f2a9b7c1d0e",
    ],
)
def test_what_is_no_personal_number_is_left_alone(text):
    assert mask_text(text) == text


def test_records_are_masked_through_lists_and_dicts():
    record = {"messages": ["ID 371602199001011234"], "rows": 3, "nested": {"m": ("13812345678",)}}
    assert mask_record(record) == {"messages": ["ID 371602********1234"], "rows": 3, "nested": {"m": ("138****5678",)}}


def test_a_scan_finds_every_unmasked_number_and_none_once_masked():
    text = "户主 37160219900101123X 旧证 372323951217501 电话 13812341234"
    assert find_unmasked(text) == ["37160219900101123X", "372323951217501", "13812341234"]
    assert find_unmasked(mask_text(text)) == []
