"""Ending a process that ran Great Expectations on DuckDB without nanobind's leak report.

Cause (reproduced with nothing but `python -c "import great_expectations, duckdb_engine"`):
with both packages imported, interpreter teardown frees DuckDB's nanobind extension
(_duckdb) while objects of the duckdb package are still alive — the 27 type constants of
duckdb.sqltypes, the connection type and the module's functions. nanobind audits its
objects when the extension goes and prints "nanobind: leaked 27 instances! … 84
functions!" to stderr. It is an exit-time audit, not a leak while the process runs (the
process is ending), and neither package offers a way to change the teardown order.

So a process that imported both ends here instead of tearing the interpreter down: it
waits for its non-daemon threads and runs every exit handler (logging's flush, temporary
directories, multiprocessing) as Python would, then leaves with os._exit. Any other
process exits normally.
"""

from __future__ import annotations

import atexit
import os
import sys
import threading
from typing import NoReturn


def exit_code(value: object) -> int:
    """The status a SystemExit with this code would give (None 0, an int itself, text 1)."""
    if value is None:
        return 0
    if isinstance(value, int):
        return value
    print(value, file=sys.stderr)
    return 1


def exit_process(code: int) -> NoReturn:
    if not {"great_expectations", "duckdb_engine"} <= sys.modules.keys():
        sys.exit(code)
    for thread in threading.enumerate():
        if thread is not threading.main_thread() and not thread.daemon:
            thread.join()
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    os._exit(code)
