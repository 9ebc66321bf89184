"""quality/gx_import.py: Great Expectations' import is kept out of the garbage collector's way
(its ~300,000 long-lived objects are frozen, not traversed by every full collection and once
more while the interpreter exits)."""

import subprocess
import sys
import textwrap

import pytest

pytestmark = pytest.mark.slow  # each program imports great_expectations (~3 s)

# prints whether GX's objects are still among those full collections traverse, and the collector's state
REPORT = """
import gc
import great_expectations as gx
traversed = any(o is gx.ExpectationSuite for o in gc.get_objects())
print("RESULT", traversed, gc.isenabled(), gc.get_freeze_count())
"""


def _run(program: str, *args: str) -> list[str]:
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(program) + REPORT, *args], capture_output=True, text=True, timeout=300
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith("RESULT")]
    assert lines, done.stdout + done.stderr
    return lines[0].split()[1:]


def test_the_quality_runs_gx_session_leaves_gx_out_of_later_collections(tmp_path):
    traversed, enabled, _ = _run(
        """
        import sys
        from pathlib import Path
        import duckdb
        from govlake.settings import Lake
        from quality.gx_validate import GxSession
        lake = Lake(Path(sys.argv[1]))
        lake.warehouse.parent.mkdir(parents=True)
        duckdb.connect(str(lake.warehouse)).close()
        GxSession(lake, "20270131T000000Z-abcdef").finish()
        """,
        str(tmp_path / "lake"),
    )
    assert (traversed, enabled) == ("False", "True")


def test_a_collector_disabled_before_the_import_stays_disabled():
    traversed, enabled, _ = _run(
        """
        import gc
        gc.disable()
        from quality.gx_import import import_gx
        import_gx()
        """
    )
    assert (traversed, enabled) == ("False", "False")


def test_gx_imported_before_is_not_frozen_again():
    *_, frozen = _run(
        """
        import gc
        import quality  # first: what keeps pyspark's Spark Connect check from ending a `python -c`
        import great_expectations
        from quality.gx_import import import_gx
        import_gx()
        """
    )
    assert frozen == "0"
