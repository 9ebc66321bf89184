"""The quality layer's DuckDB macros (quality/sql/identifiers.sql, rendered from the dbt identifier
macros; q_clean of text.sql) agree with python-stdnum,
the vectors of docs/identifiers.md and govlake.identifiers - each checked set-based, thousands of values
in one query, the way the rules run them."""

import random
import string
from datetime import date

import duckdb
import pytest
from stdnum.cn import ric, uscc
from stdnum.iso7064 import mod_37_36

from govlake import identifiers as ids
from govlake.registry import load_registry
from quality.sqlfiles import SQL_DIR, install_macros

USCC_CHARS = ids.USCC_ALPHABET
ALNUM = string.digits + string.ascii_uppercase


@pytest.fixture(scope="module")
def con():
    c = duckdb.connect()
    install_macros(c, load_registry())
    yield c
    c.close()


def _apply(con, macro: str, values: list[str]) -> list:
    """macro(value) for every value, in one statement, in the values' order."""
    return [
        r[0]
        for r in con.execute(
            f"SELECT {macro}(v) FROM unnest(?) WITH ORDINALITY AS t(v, i) ORDER BY i", [values]
        ).fetchall()
    ]


@pytest.mark.parametrize("number", ["11010519491231002X", "440524188001010014"])
def test_standards_id_card_vectors_are_valid(con, number):
    assert _apply(con, "q_id_card_valid", [number]) == [True]


def test_id_card_check_character_agrees_with_stdnum(con):
    rng = random.Random(11)
    bodies = ["".join(rng.choice(string.digits) for _ in range(17)) for _ in range(3000)]
    assert _apply(con, "q_id_card_check", bodies) == [ric.calc_check_digit(b + "0") for b in bodies]


def test_id_card_validity_agrees_with_stdnum_on_valid_and_broken_numbers(con):
    rng = random.Random(12)
    numbers = []
    for _ in range(1500):
        n = ids.make_id_card(
            "371602", date(2001 + rng.randrange(24), 1 + rng.randrange(12), 1 + rng.randrange(28)), rng.randrange(1000)
        )
        numbers += [n, n[:17] + rng.choice([c for c in "0123456789X" if c != n[17]])]
    assert _apply(con, "q_id_card_valid", numbers) == [ric.is_valid(n) for n in numbers]


def test_id_card_with_no_real_embedded_date_or_lower_x_is_invalid(con):
    body = "37160220260230123"
    assert _apply(con, "q_id_card_valid", [body + ids.id_card_check(body), "11010519491231002x", None, ""]) == [
        False,
        False,
        False,
        False,
    ]


@pytest.mark.parametrize(
    "code,valid",
    [
        ("91350100M000100Y43", True),
        ("91512081MA62K0260E", True),
        ("11100000000013338W", True),
        ("113700000045046442", True),
        ("91310115MA1G4L1WXK", False),
    ],
)
def test_standards_uscc_vectors(con, code, valid):
    assert _apply(con, "q_uscc_valid", [code]) == [valid]


def test_uscc_check_character_agrees_with_stdnum(con):
    rng = random.Random(13)
    bodies = [
        "".join(rng.choice(USCC_CHARS) for _ in range(2))
        + "".join(rng.choice(string.digits) for _ in range(6))
        + "".join(rng.choice(USCC_CHARS) for _ in range(9))
        for _ in range(3000)
    ]
    assert _apply(con, "q_uscc_check", bodies) == [uscc.calc_check_digit(b) for b in bodies]


def test_uscc_validity_agrees_with_stdnum_and_the_organisation_code_check(con):
    rng = random.Random(14)
    codes = []
    for _ in range(1500):
        org = "".join(rng.choice(string.digits + "ABCDEFGHJKLMNPQRTUWXY") for _ in range(8))
        code = ids.make_uscc("9", "1", "371602", org)
        codes += [
            code,
            code[:17] + rng.choice([c for c in USCC_CHARS if c != code[17]]),
            code[:16] + rng.choice([c for c in "0123456789X" if c != code[16]]) + code[17],
        ]
    assert _apply(con, "q_uscc_valid", codes) == [ids.is_valid_uscc(c) for c in codes]
    assert _apply(con, "q_uscc_valid", codes[::3]) == [uscc.is_valid(c) for c in codes[::3]]


def test_mod_37_36_check_character_agrees_with_stdnum(con):
    rng = random.Random(15)
    payloads = ["".join(rng.choice(ALNUM) for _ in range(rng.randrange(1, 60))) for _ in range(3000)]
    assert _apply(con, "q_mod_37_36_check", payloads) == [mod_37_36.calc_check_digit(p) for p in payloads]


def test_licence_id_validity_agrees_with_govlake_identifiers(con):
    rng = random.Random(16)
    values = []
    for _ in range(1000):
        lid = ids.make_licence_id(
            "11100000000013338W001", "11371600MB28482166", rng.randrange(10**7), rng.randrange(1, 1000)
        )
        values += [lid, lid[:-1] + rng.choice([c for c in ALNUM if c != lid[-1]])]
    assert _apply(con, "q_licence_id_valid", values) == [ids.is_valid_licence_id(v) for v in values]


def test_patent_number_check_follows_standards(con):
    rng = random.Random(17)
    values = ["CN201710601862.3", "CN201710601862.4", "CN201740601862.3"]
    for _ in range(1000):
        n = ids.make_patent_no(2000 + rng.randrange(27), 1 + rng.randrange(3), rng.randrange(10**7))
        values += [n, n[:-1] + rng.choice([c for c in "0123456789X" if c != n[-1]])]
    assert _apply(con, "q_patent_no_valid", values) == [ids.is_valid_patent_no(v) for v in values]
    assert _apply(con, "q_patent_no_valid", values[:3]) == [True, False, False]


def test_simple_formats_agree_with_govlake_identifiers(con):
    mobiles = ["13812345678", "12812345678", "1381234567", "138123456789", "19912345678"]
    icd10 = ["C34.9", "J44", "I25.10", "c34.9", "C3.9", "C34.X", "C34.123"]
    industry = ["C2655", "A0655", "T9800", "S9100", "C4400", "I6543", "Z1234", "C265"]
    assert _apply(con, "q_mobile_valid", mobiles) == [ids.is_valid_mobile(v) for v in mobiles]
    assert _apply(con, "q_icd10_valid", icd10) == [ids.is_valid_icd10(v) for v in icd10]
    assert _apply(con, "q_industry_valid", industry) == [ids.is_valid_industry(v) for v in industry]


# --- one definition: the dbt identifier macros are what quality runs -------------------


def _dbt_expr(con, sql_of_v: str, values: list) -> list:
    return [
        r[0]
        for r in con.execute(
            f"SELECT {sql_of_v} FROM unnest(?) WITH ORDINALITY AS t(v, i) ORDER BY i", [values]
        ).fetchall()
    ]


def test_quality_sql_holds_no_check_digit_algorithm_of_its_own():
    text = (SQL_DIR / "identifiers.sql").read_text(encoding="utf-8")
    for weights_or_table in ("10X98765432", "7, 9, 10, 5", "1, 3, 9, 27", "list_reduce", "123456789X0"):
        assert weights_or_table not in text


def test_dbt_id_card_normalises_legacy_numbers_and_lower_x_as_stdnum_reads_them(con):
    from quality.sqlfiles import dbt_macros

    m = dbt_macros()
    rng = random.Random(18)
    legacy = []
    for _ in range(500):
        n = ids.make_id_card(
            "371602", date(1930 + rng.randrange(69), 1 + rng.randrange(12), 1 + rng.randrange(28)), rng.randrange(1000)
        )
        legacy.append(n[:6] + n[8:17])
    normalised = _dbt_expr(con, str(m.id_card("v")), legacy)
    assert normalised == [ids.id15_to_18(v) for v in legacy]
    assert all(n[17] == ric.calc_check_digit(n) for n in normalised)
    assert _dbt_expr(con, str(m.id_card_flag("v")), legacy[:3]) == ["legacy_15_digit_id"] * 3
    assert _dbt_expr(con, str(m.id_card("v")), ["11010519491231002x"]) == ["11010519491231002X"]
    assert _dbt_expr(
        con, str(m.id_card_flag("v")), ["11010519491231002x", "11010519491231002X", "110105194912310021"]
    ) == ["lowercase_x", None, "bad_check_digit"]


def test_dbt_portable_mod_37_36_agrees_with_the_duckdb_fold_and_stdnum(con):
    from quality.sqlfiles import dbt_macros

    m = dbt_macros()
    rng = random.Random(19)
    payloads = ["".join(rng.choice(ALNUM) for _ in range(12)) for _ in range(500)]
    positions = list(range(1, 13))
    portable = _dbt_expr(con, str(m.default__mod_37_36_check_char("v", positions)), payloads)
    folded = _dbt_expr(con, str(m.duckdb__mod_37_36_check_char("v", positions)), payloads)
    assert portable == folded == [mod_37_36.calc_check_digit(p) for p in payloads]


# --- text cleaning: q_clean is dbt's clean_text (dbt_project/macros/typing/clean_text.sql) ---


def test_q_clean_trims_blanks_and_nulls_the_absent_tokens(con):
    values = [
        " a ",
        "\u3000b\t",
        "\u00a0c\ufeff",
        "\x0bd\r\n",
        "NULL",
        " null ",
        "-",
        "无",
        "",
        "   ",
        None,
        "x y",
        "无效",
    ]
    got = [
        r[0]
        for r in con.execute(
            "SELECT q_clean(v) FROM unnest(?) WITH ORDINALITY AS t(v, i) ORDER BY i", [values]
        ).fetchall()
    ]
    assert got == ["a", "b", "c", "d", None, None, None, None, None, None, None, "x y", "无效"]


def test_quality_sql_does_not_write_the_cleaning_itself():
    assert "trim(" not in (SQL_DIR / "text.sql").read_text(encoding="utf-8").split("q_key_date")[0]
