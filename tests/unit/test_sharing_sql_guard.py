"""POST /sql's guard, decided by DuckDB's own parser: one SELECT over the caller's views."""

from __future__ import annotations

import pytest

from sharing.sql_guard import Refused, check_select

VIEWS = {("population", "base_population__person"), ("ref", "gender")}


@pytest.mark.parametrize(
    "text",
    [
        "SELECT count(*) FROM population.base_population__person",
        "select p.gender, r.name from population.base_population__person p join ref.gender r on r.code = p.gender",
        "WITH a AS (SELECT 1 AS x) SELECT * FROM a",
        "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 3) SELECT * FROM r",
        "FROM population.base_population__person SELECT count(*)",
        "SELECT 'DROP TABLE x; ATTACH' AS text_only",
        "SELECT 1 -- ; DROP TABLE x",
    ],
)
def test_one_select_over_allowed_views_is_accepted(text):
    assert check_select(text, VIEWS)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("CREATE TABLE x AS SELECT 1", "only SELECT"),
        ("INSERT INTO population.base_population__person VALUES (1)", "only SELECT"),
        ("ATTACH 'x.duckdb'", "only SELECT"),
        ("COPY (SELECT 1) TO '/tmp/x.csv'", "only SELECT"),
        ("SET enable_external_access = true", "only SELECT"),
        ("PRAGMA database_list", "only SELECT"),
        ("EXPLAIN SELECT 1", "only SELECT"),
        ("CALL duckdb_settings()", "only SELECT"),
        ("SELECT 1; SELECT 2", "exactly one statement"),
        ("SELECT * FROM read_csv('/etc/passwd')", "table functions"),
        ("SELECT * FROM '/etc/passwd'", "no such table"),
        ("SELECT * FROM population.other_table", "no such table"),
        ("SELECT * FROM base_population__person", "name it with its library"),
        ("SELECT * FROM information_schema.tables", "no such table"),
        ("SELECT * FROM other_db.population.base_population__person", "no such table"),
        ("SELECT * FROM ref.gender WHERE code IN (SELECT * FROM glob('/*'))", "table functions"),
        ("WITH a AS (SELECT * FROM read_text('/etc/hosts')) SELECT * FROM a", "table functions"),
        ("SELEC 1", "syntax error"),
        ("   ", "empty"),
    ],
)
def test_anything_else_is_refused_with_its_reason(text, reason):
    with pytest.raises(Refused, match=reason):
        check_select(text, VIEWS)


def test_a_cte_named_like_a_table_it_shadows_only_reads_itself():
    assert check_select("WITH gender AS (SELECT 1) SELECT * FROM gender", VIEWS)


def test_an_overlong_query_is_refused_before_it_is_parsed():
    with pytest.raises(Refused, match="longer"):
        check_select("SELECT " + "1 + " * 50_000 + "1", VIEWS)
