"""The analysts' database (catalog/analysts.py) on a generated city through `govlake run`: views
over curated Parquet, code tables, the directory's comments — and an analyst holding it open
through a whole run neither blocks the run nor sees a half-built database."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time

import duckdb
import pytest
from typer.testing import CliRunner

from conductor.cli import app
from govlake.settings import Lake

pytestmark = pytest.mark.slow

PERSONS, SEED = 500, 11
HOLDER = """
import duckdb, json, sys, time, pathlib
db, stop, out = sys.argv[1:4]
con = duckdb.connect(db, read_only=True)
counts, errors = [], []
while not pathlib.Path(stop).exists():
    try:
        counts.append(con.execute("SELECT count(*) FROM population.base_population__person").fetchall()[0][0])
    except Exception as e:  # noqa: BLE001 - what the analyst would see
        errors.append(str(e))
    time.sleep(0.1)
pathlib.Path(out).write_text(json.dumps({"queries": len(counts), "counts": sorted(set(counts)), "errors": errors}))
"""


def _run(landing, lake):
    return CliRunner().invoke(app, ["run", "--landing", str(landing), "--home", str(lake.home)], env={"COLUMNS": "200"})


@pytest.fixture(scope="module")
def city(tmp_path_factory):
    from synth import generate_city

    root = tmp_path_factory.mktemp("analysts")
    landing, lake = root / "landing", Lake(root / "lake")
    generate_city(landing, persons=PERSONS, seed=SEED, defect_rate=0.0)
    first = _run(landing, lake)
    assert first.exit_code == 0, first.output
    before = lake.analysts.stat().st_ino
    stop, out = root / "stop", root / "holder.json"
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(lake.analysts), str(stop), str(out)])
    time.sleep(1.0)  # the analyst is connected and querying
    second = _run(landing, lake)
    stop.touch()
    holder.wait(timeout=60)
    yield {
        "lake": lake,
        "second": second,
        "holder": json.loads(out.read_text()),
        "replaced": before != lake.analysts.stat().st_ino,
    }
    shutil.rmtree(root, ignore_errors=True)


def test_an_analyst_holding_the_database_open_does_not_block_a_run(city):
    assert city["second"].exit_code == 0, city["second"].output
    assert city["replaced"]  # the run put a new database in place


def test_the_analysts_open_connection_kept_answering_through_the_run(city):
    holder = city["holder"]
    assert holder["queries"] > 5 and holder["errors"] == []
    assert len(holder["counts"]) == 1 and holder["counts"][0] > 0  # one consistent table, never half of one


def test_every_published_curated_table_is_a_view_with_comments_on_it_and_every_column(city):
    lake = city["lake"]
    published = json.loads((lake.curated / "_manifest.json").read_text(encoding="utf-8"))["tables"]
    with duckdb.connect(str(lake.analysts), read_only=True) as con:
        views = {(s, v): c for s, v, c in con.execute("SELECT schema_name, view_name, comment FROM duckdb_views() "
                                                      "WHERE NOT internal").fetchall()}  # fmt: skip
        assert {v for _, v in views} == set(published)
        assert all(c and " — " in c for c in views.values())
        blank = con.execute(
            "SELECT schema_name, table_name, column_name FROM duckdb_columns() "
            "WHERE NOT internal AND schema_name <> 'main' AND (comment IS NULL OR comment = '')"
        ).fetchall()
        assert blank == []


def test_codes_join_to_their_chinese_names(city):
    with duckdb.connect(str(city["lake"].analysts), read_only=True) as con:
        assert con.execute("SELECT name FROM ref.gender WHERE code = '1'").fetchall() == [("男",)]
        joined = con.execute(
            "SELECT count(*), count(g.name) FROM population.base_population__person p "
            "LEFT JOIN ref.gender g ON g.code = p.gender"
        ).fetchall()[0]
        assert joined[0] > 0 and joined[0] == joined[1]


def test_the_warehouse_carries_the_same_comments(city):
    with duckdb.connect(str(city["lake"].warehouse), read_only=True) as con:
        blank = con.execute(
            "SELECT schema_name, table_name, count(*) FROM duckdb_columns() "
            "WHERE schema_name IN ('base', 'theme') AND (comment IS NULL OR comment = '') "
            "AND column_name NOT LIKE '%\\_\\_order' ESCAPE '\\' AND column_name NOT LIKE '%\\_order' ESCAPE '\\' "
            "GROUP BY ALL"
        ).fetchall()
        assert blank == []
        (comment,) = con.execute(
            "SELECT comment FROM duckdb_tables() WHERE schema_name = 'base' AND table_name = 'base_population__person'"
        ).fetchall()[0]
        assert comment.startswith("101001/000001 人员基础信息")
