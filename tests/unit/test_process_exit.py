"""A process that ran Great Expectations on DuckDB ends without nanobind's exit-time
"leaked" report, with its exit code and its exit handlers intact (conductor/process_exit.py)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

pytestmark = pytest.mark.slow  # imports Great Expectations (~10 s) in two child processes

PROGRAM = textwrap.dedent("""
    import atexit, sys
    import quality  # keeps pyspark's Spark Connect check from ending this `python -c` (quality/gx_import.py)
    import great_expectations, duckdb_engine
    atexit.register(lambda: print("exit handler ran", flush=True))
    if sys.argv[1] == "exit_process":
        from conductor.process_exit import exit_process
        exit_process(3)
    sys.exit(3)
""")


def _run(how: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", PROGRAM, how], capture_output=True, text=True, timeout=300)


def test_the_cause_great_expectations_with_duckdb_engine_reports_leaks_at_teardown():
    # When this fails, the packages no longer leave DuckDB objects to nanobind's audit:
    # conductor/process_exit.py can go.
    done = _run("sys.exit")
    assert done.returncode == 3
    assert "nanobind: leaked" in done.stderr


def test_exit_process_keeps_the_code_and_the_exit_handlers_and_reports_nothing():
    done = _run("exit_process")
    assert done.returncode == 3
    assert "exit handler ran" in done.stdout
    assert "leaked" not in done.stderr
