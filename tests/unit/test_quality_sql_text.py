"""q_clean, the quality layer's text cleaning, is dbt's clean_text rendered from
dbt_project/macros/typing/clean_text.sql: blanks trimmed at both ends (spreadsheet blanks
too), the absent tokens of dbt_project.yml NULL."""
import duckdb
import pytest

from govlake.registry import load_registry
from quality.sqlfiles import SQL_DIR, install_macros


@pytest.fixture(scope="module")
def con():
    c = duckdb.connect()
    install_macros(c, load_registry())
    yield c
    c.close()


def test_q_clean_trims_blanks_and_nulls_the_absent_tokens(con):
    values = [" a ", "\u3000b\t", "\u00a0c\ufeff", "\x0bd\r\n", "NULL", " null ", "-", "无", "", "   ", None, "x y", "无效"]
    got = [r[0] for r in con.execute(
        "SELECT q_clean(v) FROM unnest(?) WITH ORDINALITY AS t(v, i) ORDER BY i", [values]).fetchall()]
    assert got == ["a", "b", "c", "d", None, None, None, None, None, None, None, "x y", "无效"]


def test_quality_sql_does_not_write_the_cleaning_itself():
    assert "trim(" not in (SQL_DIR / "text.sql").read_text(encoding="utf-8").split("q_key_date")[0]
