"""Observed values are masked per docs/masking.md#masks before they are written, in SQL."""

import duckdb
import pytest

from govlake.registry import load_registry
from quality.masking import PERSONAL, mask_kind, masked
from quality.sqlfiles import install_macros


@pytest.fixture(scope="module")
def con():
    c = duckdb.connect()
    install_macros(c, load_registry())
    yield c
    c.close()


def _one(con, sql: str):
    return con.execute(f"SELECT {sql}").fetchall()[0][0]


@pytest.mark.parametrize(
    "macro,value,expected",
    [
        ("q_mask_id", "37160219900101123X", "371602********123X"),
        ("q_mask_id", "372323951217501", "372323*****7501"),
        ("q_mask_name", "张三", "张*"),
        ("q_mask_name", "欧阳娜娜", "欧***"),
        ("q_mask_mobile", "13812341234", "138****1234"),
        ("q_mask_address", "山东省滨州市邹平市凤凰路554号9号楼", "山东省滨州市邹平市***"),
        ("q_mask_address", "山东省滨州市无棣县小泊头镇张家村161号", "山东省滨州市无棣县***"),
        ("q_mask_party", "37160219900101123X", "371602********123X"),
        ("q_mask_party", "91350100M000100Y43", "91350100M000100Y43"),
        ("q_mask_all", "1234.50", "***"),
    ],
)
def test_masks_follow_the_standard(con, macro, value, expected):
    assert _one(con, f"{macro}('{value}')") == expected


def test_masks_keep_null(con):
    assert _one(con, "[q_mask_id(NULL), q_mask_name(NULL), q_mask_mobile(NULL), q_mask_address(NULL)]") == [None] * 4


def test_every_listed_personal_column_exists_in_the_registry():
    reg = load_registry()
    for source_id, column in PERSONAL:
        assert column in reg.source(source_id).column_names, (source_id, column)


def test_id_numbers_and_mobiles_are_recognised_from_the_registry_checks():
    reg = load_registry()
    for source in reg.sources.values():
        for column in source.columns:
            if column.check == "id_card":
                assert mask_kind(source, column) == "id", (source.id, column.name)
            if column.check == "mobile":
                assert mask_kind(source, column) == "mobile", (source.id, column.name)
            if "id_card" in column.checks and len(column.checks) > 1:
                assert mask_kind(source, column) == "party", (source.id, column.name)


def test_a_code_column_is_shown_as_delivered():
    src = load_registry().source("gaj.household_register")
    assert masked(src, src.column("ethnicity"), "s.ethnicity") == "s.ethnicity"
