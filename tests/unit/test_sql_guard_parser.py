"""The SQL console's guard parses with one DuckDB kept for the purpose: a new in-memory database
per query cost ~11 ms of CPU, most of a small aggregate's time (bench/gateway.py, issue 16)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import duckdb
import pytest

from sharing import sql_guard
from sharing.sql_guard import Refused, check_select

ALLOWED = {("population", "base_population__person")}
QUERY = "SELECT gender, count(*) AS n FROM population.base_population__person GROUP BY ALL"


def test_checking_queries_opens_no_database_per_query(monkeypatch):
    check_select(QUERY, ALLOWED)  # the parser's own database may open once
    opened = []
    real = duckdb.connect
    monkeypatch.setattr(duckdb, "connect", lambda *a, **kw: opened.append(a) or real(*a, **kw))
    for _ in range(5):
        check_select(QUERY, ALLOWED)
    assert opened == []


def test_queries_checked_from_many_threads_at_once_are_each_judged_on_their_own():
    texts = [QUERY, "SELECT * FROM read_csv('/etc/passwd')", "SELECT 1 FROM secret.t"] * 20

    def judge(text: str) -> str:
        try:
            return check_select(text, ALLOWED)
        except Refused as e:
            return f"refused: {str(e).split(' — ')[0]}"

    with ThreadPoolExecutor(8) as pool:
        verdicts = list(pool.map(judge, texts))
    assert verdicts == [judge(t) for t in texts]
    assert verdicts[:3] == [QUERY, "refused: 不允许表函数", "refused: 无权访问或不存在的表"]


def test_the_parser_database_reads_no_file(tmp_path):
    secret = tmp_path / "secret.csv"
    secret.write_text("a\n1\n")
    with pytest.raises(duckdb.Error):
        sql_guard._parser().execute(f"SELECT * FROM read_csv('{secret}')").fetchall()
