"""Every DuckDB connection the pipeline opens: one memory limit, thread count and spill directory.

    from govlake.duckdb_settings import connect
    con = connect(lake, lake.warehouse, read_only=True)   # a file
    con = connect(lake)                                    # in memory, spilling into the lake
    con = connect(None, config={"threads": 1})             # in memory, never spilling

GOVLAKE_MEMORY_LIMIT   DuckDB's memory limit, e.g. "8GB", "500MB", "40%" (default 50%: of the
                       memory DuckDB finds on the machine). It bounds DuckDB's buffer
                       manager only, not the Python process around it, and each process (a dbt
                       build, the gateway, an Airflow task) has its own: half leaves room for
                       the rest — DuckDB's own default is 80%.
GOVLAKE_THREADS        DuckDB's threads (default: the CPUs this process may run on).
spill directory        <lake>/tmp/duckdb: where large joins, sorts and windows spill instead of
                       failing. Never outside the lake; without a lake, nothing spills.

The settings are SET on the connection, not passed as its configuration: DuckDB refuses a
second connection to one file in a process under a different configuration, and GX's
engine (duckdb-engine) opens the warehouse with its own (quality/gx_shim.py). These
settings are the database instance's, so every connection sharing it has them.
The dbt profile takes the same values (transform/dbt_runner.py passes them as variables).
tests/unit/test_duckdb_settings.py fails if a module connects to DuckDB another way.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import duckdb

from govlake.settings import Lake

MEMORY_ENV = "GOVLAKE_MEMORY_LIMIT"
THREADS_ENV = "GOVLAKE_THREADS"
DEFAULT_MEMORY = "50%"
# DuckDB's memory units (KB = 1000 B, KiB = 1024 B); a bare number is refused, as DuckDB does.
_MEMORY = re.compile(r"(\d+(?:\.\d+)?)\s*([KMGT]i?B|%)", re.IGNORECASE)


class SettingError(ValueError):
    """An environment setting with a value DuckDB would not take."""


def memory_limit() -> str:
    """GOVLAKE_MEMORY_LIMIT, checked: a size ("8GB", "500MB") or a share of memory ("50%")."""
    value = os.environ.get(MEMORY_ENV, "").strip() or DEFAULT_MEMORY
    _memory_parts(value)
    return value


def _memory_parts(value: str) -> tuple[float, str]:
    """(number, unit upper-cased: "GB", "MIB", "%") of a memory setting, checked."""
    match = _MEMORY.fullmatch(value)
    if not match:
        raise SettingError(
            f'{MEMORY_ENV}={value!r}: expected a size such as "8GB" or "500MB", or a share such as "50%"'
        )
    number, unit = float(match.group(1)), match.group(2).upper()
    if number <= 0 or (unit == "%" and number > 100):
        raise SettingError(f"{MEMORY_ENV}={value!r}: a size above 0, a share between 0 and 100%")
    return number, unit


def memory_limit_bytes() -> int:
    """GOVLAKE_MEMORY_LIMIT in bytes: a share taken of the machine's physical memory, as DuckDB
    takes it. For engines that want an absolute size (the Spark driver's JVM heap)."""
    number, unit = _memory_parts(memory_limit())
    if unit == "%":
        return int(os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE") * number / 100)
    base = 1024 if "I" in unit else 1000
    return int(number * base ** ("KMGT".index(unit[0]) + 1))


def threads() -> int:
    """GOVLAKE_THREADS, else the CPUs this process may run on."""
    value = os.environ.get(THREADS_ENV, "").strip()
    if not value:
        return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    if not value.isdigit() or int(value) < 1:
        raise SettingError(f"{THREADS_ENV}={value!r}: expected a whole number of threads, 1 or more")
    return int(value)


def spill_directory(lake: Lake) -> Path:
    """<lake>/tmp/duckdb, made when the lake exists (DuckDB makes no parent directories);
    refused when a part of it is a link, which could lead out of the lake."""
    path = lake.home / "tmp" / "duckdb"
    for part in (path.parent, path):
        if part.is_symlink():
            raise SettingError(f"{part} is a symbolic link: DuckDB spills only inside the lake")
    if lake.home.is_dir():
        path.mkdir(parents=True, exist_ok=True)
    return path


def settings(lake: Lake | None) -> dict[str, str]:
    """The DuckDB settings for a connection of `lake`'s pipeline; no lake, no spilling
    (an empty temp_directory turns it off)."""
    return {
        "memory_limit": memory_limit(),
        "threads": str(threads()),
        "temp_directory": str(spill_directory(lake)) if lake is not None else "",
    }


def apply(con: duckdb.DuckDBPyConnection, lake: Lake | None, *, keep: set[str] = frozenset()) -> None:
    """SET the settings on `con`, but not those named in `keep` (a caller's own choice)."""
    for name, value in settings(lake).items():
        if name in keep:
            continue
        # A second connection to a database this process has open shares its instance, and
        # DuckDB refuses to switch the temporary directory once used, even to the same one.
        if name == "temp_directory" and _current(con, name) == value:
            continue
        con.execute(f"SET {name} = ?", [value])


def _current(con: duckdb.DuckDBPyConnection, name: str) -> str:
    return con.execute("SELECT current_setting(?)", [name]).fetchall()[0][0]


def connect(
    lake: Lake | None,
    database: Path | str | None = None,
    *,
    read_only: bool = False,
    config: dict | None = None,
) -> duckdb.DuckDBPyConnection:
    """duckdb.connect with the lake's settings; `database` None is in memory. Keys of
    `config` that are settings (e.g. threads) stay the caller's."""
    con = duckdb.connect(":memory:" if database is None else str(database), read_only=read_only, config=config or {})
    try:
        apply(con, lake, keep=set(config or ()))
    except BaseException:
        con.close()
        raise
    return con
