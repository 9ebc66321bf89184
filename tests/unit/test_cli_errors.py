"""Operational failures reach the user as one line with the remedy, not a traceback
(issue 12, item 8: a full disk, a damaged warehouse)."""

from __future__ import annotations

import errno
import subprocess
import sys

import duckdb

from conductor.errors import explain


def test_a_full_disk_is_explained_with_the_file_and_the_remedy():
    reason = explain(OSError(errno.ENOSPC, "No space left on device", "/lake/raw/x.parquet"))
    assert "no space left on device writing /lake/raw/x.parquet" in reason and "free space" in reason


def test_a_warehouse_another_process_holds_is_explained():
    reason = explain(duckdb.IOException('IO Error: Could not set lock on file "/lake/warehouse.duckdb": Conflicting'))
    assert "another process holds the warehouse" in reason


def test_a_bug_keeps_its_traceback():
    assert explain(KeyError("x")) is None and explain(duckdb.CatalogException("no table")) is None


def test_a_damaged_warehouse_gives_one_line_and_exit_code_1(tmp_path):
    lake = tmp_path / "lake"
    lake.mkdir()
    (lake / "warehouse.duckdb").write_bytes(b"\x00not a database\xff" * 400)
    done = subprocess.run(
        [sys.executable, "-m", "conductor.cli", "quality", "gate", "--home", str(lake)],
        capture_output=True,
        text=True,
        env={"COLUMNS": "300", "PATH": ""},
        timeout=120,
    )
    assert done.returncode == 1
    assert "Traceback" not in done.stderr and "│" not in done.stderr, done.stderr
    assert "the warehouse is damaged" in done.stderr and "govlake run --full-refresh" in done.stderr
