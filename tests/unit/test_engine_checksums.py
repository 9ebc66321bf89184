"""transform.engine_checksums: one table's rows and checksum, computed the same way
whichever engine wrote it (tests/integration/test_spark_engine.py compares the engines)."""

import duckdb
import pytest

from transform.engine_checksums import table_checksum


@pytest.fixture
def con():
    with duckdb.connect() as con:
        yield con


def _checksum(con, select: str, skip=frozenset()):
    return table_checksum(con, f"({select})", skip)


def test_the_order_of_rows_does_not_count(con):
    forward = _checksum(con, "select * from (values (1, 'a'), (2, 'b'), (3, 'c')) t(n, s)")
    backward = _checksum(con, "select * from (values (3, 'c'), (2, 'b'), (1, 'a')) t(n, s)")
    assert forward == backward and forward.rows == 3


def test_one_changed_value_or_one_duplicated_row_changes_the_checksum(con):
    rows = _checksum(con, "select * from (values (1, 'a'), (2, 'b')) t(n, s)")
    assert rows != _checksum(con, "select * from (values (1, 'a'), (2, 'B')) t(n, s)")
    assert rows.checksum != _checksum(con, "select * from (values (1, 'a'), (2, 'b'), (2, 'b')) t(n, s)").checksum


def test_the_order_of_columns_does_not_count_but_their_names_do(con):
    ns = _checksum(con, "select 1 as n, 'a' as s")
    assert ns == _checksum(con, "select 'a' as s, 1 as n")
    assert ns.columns != _checksum(con, "select 1 as m, 'a' as s").columns


def test_values_compare_across_the_types_the_engines_give_them(con):
    # DuckDB: a naive timestamp, an unnamed tuple, an integer; Spark read back: an instant,
    # a named struct, a decimal of other precision
    duck = _checksum(
        con,
        "select timestamp '2026-10-01 08:00:00' as t, row('2026-10-01', 3::bigint) as o, 42 as n, "
        "1.5::decimal(18, 6) as d",
    )
    spark = _checksum(
        con,
        "select timestamptz '2026-10-01 08:00:00+00' as t, {'_batch': '2026-10-01', '_row_no': 3::bigint} as o, "
        "42::decimal(38, 0) as n, 1.5::decimal(38, 10) as d",
    )
    assert duck == spark


def test_a_timestamp_compares_as_its_instant(con):
    utc = _checksum(con, "select timestamptz '2026-10-01 08:00:00+00' as t")
    assert utc == _checksum(con, "select timestamptz '2026-10-01 16:00:00+08' as t")
    assert utc != _checksum(con, "select timestamp '2026-10-01 16:00:00' as t")


def test_skipped_columns_are_left_out(con):
    first = _checksum(con, "select 1 as n, timestamp '2026-10-01 08:00:00' as _staged_at", frozenset({"_staged_at"}))
    second = _checksum(con, "select 1 as n, timestamp '2026-12-01 09:30:00' as _staged_at", frozenset({"_staged_at"}))
    assert first == second and first.columns == ("n",)
