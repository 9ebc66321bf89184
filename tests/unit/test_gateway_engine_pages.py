"""The engine's pages on a small published layer: the total of a resource is counted once per
published file, not for every page, and follows a new publication; no query starts a thread of
its own for its time limit (both were most of a page's cost: bench/gateway.py, issue 16)."""

from __future__ import annotations

import threading

import pytest

from govlake.settings import Lake
from sharing.engine import Engine, QueryError, QueryTimeout
from tests.published_fixtures import PERSON_CODE, PERSON_ITEMS, publish_small_layer, write_person_parquet

ITEMS = list(PERSON_ITEMS)


@pytest.fixture
def engine(tmp_path):
    lake = Lake(publish_small_layer(tmp_path / "lake", persons=1_000))
    engine = Engine(lake, counties=["滨城区"])
    yield engine
    engine.close()


def test_every_page_says_the_resources_total(engine):
    person = engine.layer.resource(PERSON_CODE)
    pages = [engine.rows(person, ITEMS, limit=100, offset=o) for o in (0, 400, 950)]
    assert [p.total for p in pages] == [1_000] * 3
    assert [p.table.num_rows for p in pages] == [100, 100, 50]


def test_the_total_is_counted_once_per_published_file_not_for_every_page(engine, monkeypatch):
    person = engine.layer.resource(PERSON_CODE)
    ran = []
    real = Engine._run
    monkeypatch.setattr(
        Engine, "_run", lambda self, state, sql, *a, **kw: ran.append(sql) or real(self, state, sql, *a, **kw)
    )
    for offset in (0, 100, 200, 300):
        engine.rows(person, ITEMS, limit=100, offset=offset)
    assert sum("count(*)" in sql for sql in ran) == 1


def test_a_filtered_total_is_counted_for_its_own_filter(engine):
    person = engine.layer.resource(PERSON_CODE)
    everyone = engine.rows(person, ITEMS, limit=10)
    one_county = engine.rows(person, ITEMS, filters={"region_code": "371621"}, limit=10)
    another = engine.rows(person, ITEMS, filters={"region_code": "371622"}, limit=10)
    assert (everyone.total, one_county.total, another.total) == (1_000, 333, 333)


def test_a_new_publication_of_the_file_is_counted_anew(engine):
    person = engine.layer.resource(PERSON_CODE)
    assert engine.rows(person, ITEMS, limit=10).total == 1_000
    write_person_parquet(engine.lake.home, 1_200)
    assert engine.rows(person, ITEMS, limit=10).total == 1_200


def test_a_page_of_a_file_gone_since_publication_is_a_query_error(engine):
    person = engine.layer.resource(PERSON_CODE)
    engine.rows(person, ITEMS, limit=10)
    person.parquet.unlink()
    with pytest.raises(QueryError):
        engine.rows(person, ITEMS, limit=10)


def test_queries_start_no_thread_each_for_their_time_limit(engine, monkeypatch):
    person = engine.layer.resource(PERSON_CODE)
    engine.rows(person, ITEMS, limit=10)  # the engine's own threads, if any, start now
    started = []
    real = threading.Thread.start
    monkeypatch.setattr(threading.Thread, "start", lambda self: started.append(self.name) or real(self))
    for offset in range(0, 1_000, 100):
        engine.rows(person, ITEMS, limit=100, offset=offset)
    engine.sql("SELECT gender, count(*) AS n FROM population.base_population__person GROUP BY ALL", "analyst")
    assert started == []


def test_a_query_past_its_time_limit_is_interrupted(engine):
    cross = ", ".join(f"population.base_population__person p{i}" for i in range(4))
    with pytest.raises(QueryTimeout):
        engine.sql(
            f"SELECT count(*) FROM {cross} WHERE hash(p0.name, p1.name, p2.name, p3.mobile) % 7 = 0",
            "analyst",
            seconds=0.3,
        )


def test_a_query_within_its_limit_is_left_alone_after_its_limit_passes(engine):
    import time

    quick = engine.sql("SELECT count(*) AS n FROM population.base_population__person", "analyst", seconds=0.2)
    time.sleep(0.4)
    again = engine.sql("SELECT count(*) AS n FROM population.base_population__person", "analyst", seconds=5)
    assert quick.table.column(0)[0].as_py() == again.table.column(0)[0].as_py() == 1_000
