"""The site's sample rows are masked by each 信息项's sensitivity (catalog/site/masking.py), then by
value pattern: docs/masking.md#masks."""

from __future__ import annotations

import pytest

from catalog.site.masking import NOT_PERSONAL, PERSONAL, SENSITIVE, SampleMasker, stricter

COUNTIES = ["邹平市", "邹平县", "滨城区"]


@pytest.fixture
def masker():
    return SampleMasker(COUNTIES)


def test_a_sensitive_id_number_keeps_six_and_four(masker):
    assert masker.value("37160219900101123X", SENSITIVE) == "371602********123X"


def test_a_sensitive_mobile_keeps_three_and_four(masker):
    assert masker.value("13812341234", SENSITIVE) == "138****1234"


def test_a_sensitive_address_keeps_its_county(masker):
    assert masker.value("山东省滨州市邹平市凤凰路554号9号楼", SENSITIVE) == "山东省滨州市邹平市***"


def test_any_other_sensitive_value_is_masked_whole(masker):
    assert [masker.value(v, SENSITIVE) for v in ("1234.50", "2026-01-02", "01", "滨州市黄河五路1号")] == ["***"] * 4


def test_a_personal_value_keeps_its_first_character(masker):
    assert [masker.value(v, PERSONAL) for v in ("张三", "欧阳娜娜", "1")] == ["张*", "欧***", "*"]


def test_a_non_personal_value_is_shown(masker):
    assert masker.value("滨州康元商贸股份有限公司", NOT_PERSONAL) == "滨州康元商贸股份有限公司"


def test_an_id_number_or_mobile_in_a_non_personal_column_is_masked_by_its_shape(masker):
    note = "核查 37160219900101123X 电话13812341234"
    assert masker.value(note, NOT_PERSONAL) == "核查 371602********123X 电话138****1234"


def test_an_id_number_or_mobile_in_full_width_digits_is_masked_too(masker):
    wide = str.maketrans("0123456789", "０１２３４５６７８９")
    assert masker.value("ID:37160219900101123X".translate(wide), NOT_PERSONAL) == "ID:371602********123X"
    assert masker.value("13812341234".translate(wide), SENSITIVE) == "138****1234"


def test_a_missing_value_stays_missing_and_numbers_are_masked_as_text(masker):
    assert masker.row([None, 3200.5], [SENSITIVE, SENSITIVE]) == [None, "***"]


def test_the_stricter_of_two_sensitivities_wins_and_an_unknown_one_counts_as_sensitive():
    assert stricter(NOT_PERSONAL, PERSONAL) == PERSONAL
    assert stricter(PERSONAL, SENSITIVE) == SENSITIVE
    assert stricter(NOT_PERSONAL, None) == SENSITIVE
