"""Two processes: while one holds the lake lock and writes the warehouse (a second
`govlake run`'s dbt build), the other's curated publication waits, says so once on
stderr, and then succeeds (issue 12, item 6: it crashed with an IOException)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import duckdb

from tests.conftest import REPO

HOLD = """
import sys, time, duckdb
from govlake.lock import lake_lock
from govlake.settings import Lake
lake = Lake.from_env(sys.argv[1])
with lake_lock(lake):
    con = duckdb.connect(str(lake.warehouse))  # a writer, as dbt is
    print("locked", flush=True)
    time.sleep(float(sys.argv[2]))
    con.execute("insert into base.base_population__person values (2, 'b', 1)")
    con.close()
    print("released", time.time(), flush=True)
"""

PUBLISH = """
import sys, time
from govlake.settings import Lake
from transform.curated import publish_curated
published = publish_curated(Lake.from_env(sys.argv[1]))
print("published", time.time(), sum(t.rows for t in published), flush=True)
"""


def _fake_build(lake) -> None:
    """A warehouse with one base table and a dbt manifest naming it."""
    lake.dbt.mkdir(parents=True, exist_ok=True)
    node = {
        "resource_type": "model",
        "name": "base_population__person",
        "fqn": ["govlake", "base", "population", "base_population__person"],
        "schema": "base",
        "alias": "base_population__person",
    }
    (lake.dbt / "manifest.json").write_text(json.dumps({"nodes": {"model.govlake.base_population__person": node}}))
    with duckdb.connect(str(lake.warehouse)) as con:
        con.execute("create schema base")
        con.execute("create table base.base_population__person (id integer, name varchar, name__order integer)")
        con.execute("insert into base.base_population__person values (1, 'a', 0)")


def test_a_publication_waits_for_the_run_holding_the_lake_lock(lake):
    lake.warehouse.parent.mkdir(parents=True, exist_ok=True)
    _fake_build(lake)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(lake.home), "2"], stdout=subprocess.PIPE, text=True, cwd=REPO, env=env
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        publisher = subprocess.run(
            [sys.executable, "-c", PUBLISH, str(lake.home)],
            capture_output=True,
            text=True,
            cwd=REPO,
            env=env,
            timeout=60,
        )
        released = holder.stdout.readline().split()
    finally:
        holder.wait(timeout=30)
    assert holder.returncode == 0
    assert publisher.returncode == 0, publisher.stderr
    assert released[0] == "released"
    published = publisher.stdout.split()
    assert published[0] == "published"
    assert float(published[1]) >= float(released[1])  # it waited for the holder
    assert published[2] == "2"  # and saw the holder's write
    waiting = [line for line in publisher.stderr.splitlines() if "waiting for the lake lock" in line]
    assert len(waiting) == 1, publisher.stderr
    assert f"(pid {holder.pid})" in waiting[0]
    assert "Traceback" not in publisher.stderr
    assert (lake.curated / "population" / "base_population__person.parquet").exists()
