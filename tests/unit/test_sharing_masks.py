"""The gateway's masks in DuckDB, as docs/masking.md#masks says them."""

from __future__ import annotations

import duckdb
import pytest

from sharing.masking import install_masks, masked_column

COUNTIES = ["邹平市", "邹平县", "滨城区"]


@pytest.fixture(scope="module")
def con():
    con = duckdb.connect()
    install_masks(con, COUNTIES)
    yield con
    con.close()


def _one(con, sql, *params):
    return con.execute(sql, list(params)).fetchall()[0][0]


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("37160219900101123X", "371602********123X"),
        ("372323951217501", "372323*****7501"),
        ("13812341234", "138****1234"),
        ("山东省滨州市邹平市凤凰路554号9号楼", "山东省滨州市邹平市***"),
        ("山东省滨州市邹平县黛溪街道1号", "山东省滨州市邹平县***"),
        ("滨州市黄河五路1号", "***"),
        ("1234.50", "***"),
        (None, None),
    ],
)
def test_a_sensitive_item_keeps_only_what_the_standard_allows(con, value, masked):
    assert _one(con, "SELECT sh_mask_sensitive(?)", value) == masked


@pytest.mark.parametrize(("value", "masked"), [("张三", "张*"), ("欧阳娜娜", "欧***"), ("李", "*"), (None, None)])
def test_a_personal_item_keeps_its_first_character(con, value, masked):
    assert _one(con, "SELECT sh_mask_personal(?)", value) == masked


def test_a_non_personal_text_is_masked_by_value_pattern_wherever_an_id_or_mobile_stands(con):
    text = "备注 ID:37160219900101123X 电话13812341234 批次2026100112345678901234"
    assert _one(con, "SELECT sh_mask_shapes(?)", text) == (
        "备注 ID:371602********123X 电话138****1234 批次2026100112345678901234"
    )


def test_full_width_digits_do_not_hide_an_id_number(con):
    assert _one(con, "SELECT sh_mask_shapes(?)", "３７１６０２１９９００１０１１２３Ｘ") == "371602********123X"


def test_an_item_named_for_clear_delivery_is_selected_as_it_is():
    assert masked_column("id_no", "敏感个人信息", text=True, clear=True) == '"id_no"'


def test_an_unknown_sensitivity_is_masked_as_sensitive():
    assert masked_column("x", "其他", text=True).startswith("sh_mask_sensitive(")


def test_a_column_name_cannot_break_out_of_its_quotes():
    assert masked_column('a" FROM x --', "非个人信息", text=False) == '"a"" FROM x --"'
