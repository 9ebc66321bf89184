"""The engine's mask of 非个人信息 text (sh_mask_shapes in sharing/sql/masks.sql): a value holding
a run of 11 digits, ASCII or full-width, is masked by its shape; anything shorter than 11 bytes
cannot hold one and is passed over without the regular expression (that test was most of an
analyst's aggregate over a million short codes: bench/README.md, issue 16)."""

from __future__ import annotations

import duckdb
import pytest

from govlake.pii import mask_shapes
from sharing.masking import install_masks


@pytest.fixture(scope="module")
def con():
    con = duckdb.connect()
    install_masks(con, ["滨城区"])
    yield con
    con.close()


def _shapes(con, value):
    return con.execute("SELECT sh_mask_shapes(?::VARCHAR)", [value]).fetchall()[0][0]


@pytest.mark.parametrize(
    "value",
    [
        "371602199001011234",
        "电话13812345678转",
        "１３８１２３４５６７８",  # full-width digits: 33 bytes
        "13812345678",  # exactly 11 bytes
    ],
)
def test_text_holding_an_id_number_or_a_mobile_is_masked_by_its_shape(con, value):
    assert _shapes(con, value) == mask_shapes(value) != value


@pytest.mark.parametrize("value", ["371602", "1381234567", "滨城区", "", "１２３"])
def test_text_too_short_to_hold_eleven_digits_is_delivered_as_it_is(con, value):
    assert _shapes(con, value) == value


def test_null_stays_null(con):
    assert _shapes(con, None) is None
