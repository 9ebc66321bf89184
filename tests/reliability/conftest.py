"""The reliability suite's shared lakes and its scoreboard.

Lakes: `city` is the clean sample delivery split in two — `base` (every batch but those
of 2026-10-03) and `delta` (all of it, one row of the 2026-10-03 household register
broken so that a commit swaps a quarantine partition before its raw partition).
`base_lake` is one clean `govlake run` of `base`, made once per session; a fault case
copies it, runs `delta` with the fault armed, runs again without, and compares with
`reference_lake` (a copy of `base_lake` that ran `delta` cleanly).

Scoreboard: every case of tests/reliability reports its outcome here (the leak scan also
its count of leaks); when the whole suite ran, the table between the markers of
docs/reliability.md is rewritten from those outcomes (scoreboard.py).
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import FIXTURES
from tests.reliability import scoreboard
from tests.reliability.corpus import write_corpus
from tests.reliability.harness import Ran, copy_lake, run

SAMPLE = FIXTURES / "clean-city"
DELTA_BATCH = "2026-10-03"
BROKEN_ROW = "not,a,household,row".encode("gb18030") + b"\r\n"  # 4 fields where 11 are due


@pytest.fixture(scope="session")
def city(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("city")
    delta = root / "delta"
    shutil.copytree(SAMPLE, delta, ignore=shutil.ignore_patterns("README.md"))
    household = next((delta / "gaj.household_register" / DELTA_BATCH).glob("*.csv"))
    household.write_bytes(household.read_bytes() + BROKEN_ROW)
    base = root / "base"
    shutil.copytree(delta, base, ignore=shutil.ignore_patterns(DELTA_BATCH))
    return {"base": base, "delta": delta}


@pytest.fixture(scope="session")
def base_lake(city, tmp_path_factory) -> Path:
    lake = tmp_path_factory.mktemp("base") / "lake"
    ran = run(lake, city["base"])
    assert ran.returncode == 0, ran.console
    return lake


@pytest.fixture(scope="session")
def reference_lake(base_lake, city, tmp_path_factory) -> Path:
    lake = copy_lake(base_lake, tmp_path_factory.mktemp("reference") / "lake")
    ran = run(lake, city["delta"])
    assert ran.returncode == 0, ran.console
    return lake


@dataclass
class HostileRun:
    lake: Path
    landing: Path
    cases: dict  # case name -> (source, batch, Expect)
    ran: Ran


@pytest.fixture(scope="session")
def hostile(city, tmp_path_factory) -> HostileRun:
    """One `govlake run` (steward report included) over the clean city plus the whole
    hostile corpus (corpus.py), in a lake of its own."""
    root = tmp_path_factory.mktemp("hostile")
    landing = root / "landing"
    shutil.copytree(city["delta"], landing)
    cases = write_corpus(landing)
    lake = root / "lake"
    return HostileRun(lake, landing, cases, run(lake, landing))


# --- the scoreboard -------------------------------------------------------------------


def pytest_deselected(items):
    scoreboard.deselected(items)


def pytest_collection_finish(session):
    scoreboard.collected(session.items)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    scoreboard.record(item, outcome.get_result())


def pytest_sessionfinish(session, exitstatus):
    scoreboard.finish()
