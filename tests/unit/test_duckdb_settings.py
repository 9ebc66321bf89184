"""govlake.duckdb_settings: every DuckDB connection takes GOVLAKE_MEMORY_LIMIT, GOVLAKE_THREADS
and a spill directory inside the lake."""

from __future__ import annotations

import ast
import os
from pathlib import Path

import duckdb
import pytest

from govlake import duckdb_settings
from govlake.duckdb_settings import SettingError, connect
from govlake.settings import Lake

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("govlake", "ingest", "transform", "quality", "catalog", "sharing", "conductor", "synth", "dags")


@pytest.fixture
def lake(tmp_path) -> Lake:
    (tmp_path / "lake").mkdir()
    return Lake(tmp_path / "lake")


@pytest.fixture(autouse=True)
def unset(monkeypatch):
    monkeypatch.delenv(duckdb_settings.MEMORY_ENV, raising=False)
    monkeypatch.delenv(duckdb_settings.THREADS_ENV, raising=False)


def _setting(con: duckdb.DuckDBPyConnection, name: str):
    return con.execute("SELECT current_setting(?)", [name]).fetchall()[0][0]


def _as_duckdb_shows(memory: str) -> str:
    """How plain DuckDB shows a memory limit set to `memory` (e.g. '476.8 MiB' for 500MB)."""
    with duckdb.connect() as con:
        con.execute("SET memory_limit = ?", [memory])
        return _setting(con, "memory_limit")


def test_a_connection_takes_the_memory_limit_threads_and_spill_directory_of_the_settings(lake, monkeypatch):
    monkeypatch.setenv("GOVLAKE_MEMORY_LIMIT", "500MB")
    monkeypatch.setenv("GOVLAKE_THREADS", "1")
    with connect(lake) as con:
        assert _setting(con, "memory_limit") == _as_duckdb_shows("500MB")
        assert _setting(con, "threads") == 1
        assert _setting(con, "temp_directory") == str(lake.home / "tmp" / "duckdb")
    assert (lake.home / "tmp" / "duckdb").is_dir()


def test_a_database_file_opened_read_only_takes_the_settings_too(lake, monkeypatch):
    duckdb.connect(str(lake.warehouse)).close()
    monkeypatch.setenv("GOVLAKE_MEMORY_LIMIT", "1GB")
    monkeypatch.setenv("GOVLAKE_THREADS", "2")
    with connect(lake, lake.warehouse, read_only=True) as con:
        assert (_setting(con, "memory_limit"), _setting(con, "threads")) == (_as_duckdb_shows("1GB"), 2)
        assert _setting(con, "temp_directory") == str(lake.home / "tmp" / "duckdb")


def test_by_default_duckdb_gets_half_the_memory_and_every_cpu_of_the_process(lake):
    with connect(lake) as con, duckdb.connect() as plain:
        assert _setting(con, "memory_limit") == _as_duckdb_shows("50%")
        assert _setting(con, "memory_limit") != _setting(plain, "memory_limit")  # DuckDB's own: 80%
        assert _setting(con, "threads") == len(os.sched_getaffinity(0))


@pytest.mark.parametrize("value", ["lots", "8", "0MB", "150%", "-1GB", "8 GB of RAM"])
def test_a_memory_limit_that_is_not_a_size_or_share_is_an_error_naming_the_setting(lake, monkeypatch, value):
    monkeypatch.setenv("GOVLAKE_MEMORY_LIMIT", value)
    with pytest.raises(SettingError, match=f"GOVLAKE_MEMORY_LIMIT='{value}'"):
        connect(lake)


@pytest.mark.parametrize("value", ["many", "0", "-2", "1.5"])
def test_threads_that_are_not_a_count_are_an_error_naming_the_setting(lake, monkeypatch, value):
    monkeypatch.setenv("GOVLAKE_THREADS", value)
    with pytest.raises(SettingError, match=f"GOVLAKE_THREADS='{value}'"):
        connect(lake)


def test_a_connection_without_a_lake_never_spills():
    with connect(None) as con:
        assert _setting(con, "temp_directory") == ""  # DuckDB's own in-memory default is ./.tmp


def test_a_spill_directory_linked_out_of_the_lake_is_refused(lake, tmp_path):
    (tmp_path / "elsewhere").mkdir()
    (lake.home / "tmp").symlink_to(tmp_path / "elsewhere")
    with pytest.raises(SettingError, match="symbolic link"):
        connect(lake)
    assert not (tmp_path / "elsewhere" / "duckdb").exists()


def test_a_callers_own_threads_stay_its_own(monkeypatch):
    monkeypatch.setenv("GOVLAKE_THREADS", "2")
    with connect(None, config={"threads": 1}) as con:
        assert _setting(con, "threads") == 1


def test_a_second_connection_opens_on_a_database_that_has_spilled(lake, monkeypatch):
    """DuckDB refuses to switch the temporary directory once used, even to the same one."""
    monkeypatch.setenv("GOVLAKE_MEMORY_LIMIT", "64MB")
    monkeypatch.setenv("GOVLAKE_THREADS", "1")
    with connect(lake, lake.warehouse) as first:
        first.execute("CREATE TEMP TABLE big AS SELECT i, repeat('x', 40) AS s FROM range(3000000) t(i)")
        assert any((lake.home / "tmp" / "duckdb").iterdir())  # it spilled there
        with connect(lake, lake.warehouse) as second:
            assert _setting(second, "temp_directory") == str(lake.home / "tmp" / "duckdb")


def test_gx_engine_on_the_warehouse_shares_the_settings_of_the_quality_connection(lake, monkeypatch):
    """quality/runner.py opens the warehouse with duckdb-engine's configuration; GX's
    engine then shares that database instance, with its settings."""
    import sqlalchemy as sa

    from quality import gx_shim

    duckdb.connect(str(lake.warehouse)).close()
    monkeypatch.setenv("GOVLAKE_MEMORY_LIMIT", "700MB")
    with connect(lake, lake.warehouse, config=gx_shim.connection_config()):
        engine = sa.create_engine(f"duckdb:///{lake.warehouse}")
        try:
            with engine.connect() as gx:
                shown = gx.execute(sa.text("SELECT current_setting('memory_limit')")).scalar()
        finally:
            engine.dispose()
    assert shown == _as_duckdb_shows("700MB")


def _direct_connects(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "duckdb":
            found += [f"{path}:{node.lineno} imports connect" for a in node.names if a.name == "connect"]
        elif (
            isinstance(node, ast.Attribute)
            and node.attr == "connect"
            and isinstance(node.value, ast.Name)
            and node.value.id == "duckdb"
        ):
            found.append(f"{path}:{node.lineno}")
    return found


def test_no_project_module_connects_to_duckdb_but_through_the_settings():
    core = ROOT / "govlake" / "duckdb_settings.py"
    found = [
        hit
        for package in PACKAGES
        for path in sorted((ROOT / package).rglob("*.py"))
        if path != core
        for hit in _direct_connects(path)
    ]
    assert found == []


def test_the_check_for_direct_connects_sees_one(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("import duckdb\ncon = duckdb.connect()\nfrom duckdb import connect\n")
    assert len(_direct_connects(sample)) == 2


def test_a_bad_memory_limit_stops_a_command_with_one_line_naming_the_setting(lake):
    import subprocess
    import sys

    duckdb.connect(str(lake.warehouse)).close()
    done = subprocess.run(
        [sys.executable, "-m", "conductor.cli", "quality", "gate", "--home", str(lake.home)],
        capture_output=True,
        text=True,
        env={"COLUMNS": "300", "PATH": "", "GOVLAKE_MEMORY_LIMIT": "lots"},
        timeout=120,
    )
    assert done.returncode == 1
    assert "Traceback" not in done.stderr and "│" not in done.stderr, done.stderr
    assert "GOVLAKE_MEMORY_LIMIT='lots'" in done.stderr, done.stderr


@pytest.mark.parametrize(
    ("value", "expected"),
    [("8GB", 8 * 10**9), ("500MiB", 500 * 2**20), ("1.5TB", 15 * 10**11), ("750kb", 750_000)],
)
def test_a_memory_limit_in_bytes_reads_the_units_as_duckdb_does(monkeypatch, value, expected):
    monkeypatch.setenv("GOVLAKE_MEMORY_LIMIT", value)
    assert duckdb_settings.memory_limit_bytes() == expected


def test_a_memory_share_in_bytes_is_that_share_of_the_machines_memory(monkeypatch):
    import psutil

    monkeypatch.setenv("GOVLAKE_MEMORY_LIMIT", "25%")
    assert duckdb_settings.memory_limit_bytes() == pytest.approx(psutil.virtual_memory().total / 4, rel=1e-3)
