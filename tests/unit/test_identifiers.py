"""Identifier algorithms agree with the vectors of docs/identifiers.md and with python-stdnum."""

import random
from datetime import date

import pytest
from stdnum.cn import ric, uscc
from stdnum.iso7064 import mod_37_36

from govlake import identifiers as ids


@pytest.mark.parametrize("number", ["11010519491231002X", "440524188001010014"])
def test_standard_id_card_vectors_are_valid(number):
    assert ids.is_valid_id_card(number)


def test_birth_before_1900_is_implausible_though_the_check_digit_holds():
    assert ids.is_valid_id_card("440524188001010014")
    assert not ids.id_card_birth_plausible("440524188001010014")
    assert ids.id_card_birth_plausible("11010519491231002X", today=date(2026, 11, 1))


def test_lower_case_x_is_not_the_canonical_form():
    assert not ids.is_valid_id_card("11010519491231002x")


def test_impossible_embedded_date_is_invalid():
    body = "37160220260230123"
    assert not ids.is_valid_id_card(body + ids.id_card_check(body))


def test_id_card_agrees_with_stdnum_on_random_numbers():
    rng = random.Random(7)
    # stdnum also checks the region code was in force at birth: 371602 exists since 2000.
    for _ in range(2000):
        n = ids.make_id_card(
            "371602", date(2001 + rng.randrange(24), 1 + rng.randrange(12), 1 + rng.randrange(28)), rng.randrange(1000)
        )
        assert ric.is_valid(n)
        broken = n[:17] + ("0" if n[17] != "0" else "1")
        assert ids.is_valid_id_card(broken) == ric.is_valid(broken) == False  # noqa: E712


def test_the_weights_the_synthetic_city_mints_with_give_stdnums_check_character():
    rng = random.Random(11)
    for _ in range(2000):
        body = "".join(str(rng.randrange(10)) for _ in range(17))
        weighted = sum(w * int(d) for w, d in zip(ids.ID_CARD_WEIGHTS, body))
        assert ids.ID_CARD_CHECK_CHARS[weighted % 11] == ids.id_card_check(body) == ric.calc_check_digit(body + "0")


def test_legacy_15_digit_number_converts_to_a_valid_18_digit_one():
    converted = ids.id15_to_18("110105491231002")
    assert converted == "11010519491231002X"


def test_gender_follows_the_17th_digit():
    assert ids.id_card_gender("11010519491231002X") == "2"
    assert ids.id_card_gender(ids.make_id_card("371602", date(1990, 1, 1), 123)) == "1"


@pytest.mark.parametrize(
    "code", ["91350100M000100Y43", "91512081MA62K0260E", "11100000000013338W", "113700000045046442"]
)
def test_standard_uscc_vectors_are_valid(code):
    assert ids.is_valid_uscc(code)


def test_standard_invalid_uscc_vector_is_invalid():
    assert not ids.is_valid_uscc("91310115MA1G4L1WXK")


def test_minted_usccs_pass_stdnum_and_the_organisation_code_check():
    rng = random.Random(11)
    alphabet = ids.USCC_ALPHABET
    for _ in range(2000):
        body = "".join(rng.choice(alphabet[:10] + "ABCDEFGHJKLMNPQRTUWXY") for _ in range(8))
        code = ids.make_uscc("9", "1", "371602", body)
        assert uscc.is_valid(code) and ids.is_valid_uscc(code)


def test_uscc_with_a_wrong_organisation_check_is_invalid_even_if_stdnum_accepts_it():
    good = ids.make_uscc("9", "1", "371602", "MA3C1234")
    wrong_org = good[:16] + ("0" if good[16] != "0" else "1")
    recomputed = wrong_org[:17] + ids.uscc_check(wrong_org[:17])
    assert uscc.is_valid(recomputed)  # stdnum checks only the final character
    assert not ids.is_valid_uscc(recomputed)  # GB 32100 positions 9-17 carry GB 11714's check too


def test_licence_id_check_is_iso7064_mod_37_36():
    lic = ids.make_licence_id("11100000000013338W001", "11371600MB28482166", 70316, 1)
    assert lic == "1.2.156.3005.2.11100000000013338W001.11371600MB28482166.0070316.001.V"
    payload = "11100000000013338W001" + "11371600MB28482166" + "0070316" + "001"
    assert mod_37_36.is_valid(payload + lic[-1])
    assert not ids.is_valid_licence_id(lic[:-1] + ("A" if lic[-1] != "A" else "B"))


def test_patent_number_vector_and_type_digit():
    assert ids.is_valid_patent_no("CN201710601862.3")
    assert not ids.is_valid_patent_no("CN201710601862.4")
    assert ids.make_patent_no(2017, 1, 601862) == "CN201710601862.3"
    assert not ids.is_valid_patent_no(ids.make_patent_no(2017, 4, 601862))


@pytest.mark.parametrize(
    "value,ok",
    [
        ("C2367", True),
        ("A0511", True),
        ("A0611", False),
        ("K7010", True),
        ("T9800", True),
        ("Z0101", False),
        ("C236", False),
    ],
)
def test_industry_division_must_belong_to_its_section(value, ok):
    assert ids.is_valid_industry(value) is ok


@pytest.mark.parametrize("value,ok", [("13800138000", True), ("12800138000", False), ("1380013800", False)])
def test_mobile(value, ok):
    assert ids.is_valid_mobile(value) is ok


@pytest.mark.parametrize("value,ok", [("C16.9", True), ("I21", True), ("J18.X", True), ("c16.9", False), ("C1", False)])
def test_icd10(value, ok):
    assert ids.is_valid_icd10(value) is ok
