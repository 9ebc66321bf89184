"""quality/staging.py count_present: the rows a rule checked ("present:<column>") are counted by
an aggregate DuckDB answers from the column's validity mask where it can; it must count exactly
the rows present() calls delivered, for every column kind of the registry."""

import itertools

import duckdb

from quality import staging as stg


def _checked_columns(registry):
    for source in registry.sources.values():
        for column in source.columns:
            yield source, column


def test_count_present_counts_the_rows_present_calls_delivered_for_every_registry_column(registry):
    con = duckdb.connect()
    # every combination of value / flag / delivered copy being NULL or not, each 1 to 8 times
    cases = list(itertools.product([None, "v"], repeat=3))
    rows = [case for i, case in enumerate(cases) for _ in range(i + 1)]
    con.execute("CREATE TABLE s (v VARCHAR, v_flag VARCHAR, v_delivered VARCHAR)")
    con.executemany("INSERT INTO s VALUES (?, ?, ?)", rows)
    checked = 0
    for source, column in _checked_columns(registry):
        as_v = column.model_copy(update={"name": "v"})
        counted, filtered = con.execute(
            f"SELECT {stg.count_present(as_v)}, count(*) FILTER (WHERE {stg.present(as_v)}) FROM s AS s"
        ).fetchall()[0]
        assert counted == filtered, f"{source.id}.{column.name}"
        checked += 1
    assert checked > 100
