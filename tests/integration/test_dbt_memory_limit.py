"""The dbt build under a small memory limit (issue 18): one generated city (1,000 persons,
seed 7) ingested into two lakes, built once with the default settings and once under
GOVLAKE_MEMORY_LIMIT=500MB and GOVLAKE_THREADS=1; every base and theme model must hold the
same rows on both. dbt's own DuckDB connection is asked for its settings, and made to spill.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pytest

from govlake.settings import Lake
from transform.dbt_runner import run_dbt
from transform.engine_checksums import library_checksums

pytestmark = pytest.mark.slow

LIMITED = {"GOVLAKE_MEMORY_LIMIT": "500MB", "GOVLAKE_THREADS": "1"}
RUN_AUDIT_COLUMNS = frozenset({"_staged_at"})  # when the run that staged a row started: differs between builds
SETTINGS_SQL = (
    "select current_setting('memory_limit') as memory_limit, current_setting('threads') as threads, "
    "current_setting('temp_directory') as temp_directory"
)
# A sort of 4M rows (~100 MB of keys and row numbers): more than a 64 MB limit holds.
SORT_SQL = "select sum(r * i) as s from (select i, row_number() over (order by hash(i)) as r from range(4000000) t(i))"


@contextmanager
def _settings(monkeypatch, values: dict[str, str]):
    with monkeypatch.context() as mp:
        for name in ("GOVLAKE_MEMORY_LIMIT", "GOVLAKE_THREADS"):
            mp.delenv(name, raising=False)
        for name, value in values.items():
            mp.setenv(name, value)
        yield


@pytest.fixture(scope="module")
def builds(tmp_path_factory) -> dict[str, Lake]:
    from ingest import ingest_landing
    from synth import generate_city

    root = tmp_path_factory.mktemp("memory_limit")
    generate_city(root / "landing", persons=1000, seed=7)
    ingest_landing(root / "landing", Lake(root / "default"))
    shutil.copytree(root / "default", root / "limited", symlinks=True)  # one ingestion: its times are in the data
    lakes = {}
    with pytest.MonkeyPatch.context() as mp:
        for name, values in (("default", {}), ("limited", LIMITED)):
            lakes[name] = Lake(root / name)
            with _settings(mp, values):
                result = run_dbt(lakes[name], "build", quiet=True)
            assert result.success, result.as_dict()
    return lakes


def _checksums(lake: Lake) -> dict[str, tuple[int, int]]:
    """Rows and an order-independent checksum (a sum of row hashes) of every base and theme model."""
    with duckdb.connect(str(lake.warehouse), read_only=True) as con:
        sums = library_checksums(con, skip=RUN_AUDIT_COLUMNS)
    return {relation: (c.rows, c.checksum) for relation, c in sums.items()}


def _shown(output: str) -> list[dict]:
    """The rows `dbt show --output json` printed."""
    found = re.search(r'^\{\s*"show":.*?^\}', output, re.DOTALL | re.MULTILINE)
    assert found, output
    return json.loads(found.group())["show"]


def test_every_base_and_theme_model_holds_the_same_rows_under_a_500mb_limit_and_one_thread(builds):
    default, limited = _checksums(builds["default"]), _checksums(builds["limited"])
    assert sum(1 for t in default if t.startswith("base.")) >= 10 and sum(1 for t in default if t.startswith("theme."))
    assert all(n for n, _ in default.values()), default
    assert limited == default


def test_dbts_duckdb_takes_the_memory_limit_threads_and_spill_directory_of_the_settings(builds, monkeypatch, capfd):
    lake = builds["limited"]
    with _settings(monkeypatch, LIMITED):
        result = run_dbt(lake, ["show", "--inline", SETTINGS_SQL, "--output", "json"])
    assert result.success, result.as_dict()
    with duckdb.connect() as plain:
        plain.execute("SET memory_limit = '500MB'")
        expected = plain.execute("select current_setting('memory_limit')").fetchall()[0][0]
    assert _shown(capfd.readouterr().out) == [
        {"memory_limit": expected, "threads": 1, "temp_directory": str(lake.home / "tmp" / "duckdb")}
    ]


def test_a_sort_larger_than_the_limit_spills_into_the_lake_and_completes(builds, monkeypatch):
    lake = builds["limited"]
    spill, seen, done = lake.home / "tmp" / "duckdb", set(), threading.Event()

    def watch():  # DuckDB deletes its temporary files when the query ends: look meanwhile
        while not done.is_set():
            seen.update(f for f in os.listdir(spill) if "storage" in f)
            time.sleep(0.01)

    watcher = threading.Thread(target=watch)
    with _settings(monkeypatch, {"GOVLAKE_MEMORY_LIMIT": "64MB", "GOVLAKE_THREADS": "1"}):
        watcher.start()
        try:
            result = run_dbt(lake, ["show", "--inline", SORT_SQL], quiet=True)
        finally:
            done.set()
            watcher.join()
    assert result.success, result.as_dict()
    assert seen, f"nothing spilled into {spill}"
    assert not list(Path(spill).iterdir())  # and nothing left behind
