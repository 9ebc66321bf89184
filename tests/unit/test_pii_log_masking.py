"""install_masking: whatever a process logs or prints as a traceback is masked by value
pattern (issue 12, item 1: a row quoted in a message reached the console and task logs)."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import REPO

ID_NO, MOBILE = "371602199001011234", "13912345678"

LOGS = f"""
import logging
from govlake.pii import install_masking
install_masking()
logging.basicConfig(format="%(name)s %(message)s")
log = logging.getLogger("ingest.readers")
log.warning("bad row %s", "{ID_NO},{MOBILE}")
try:
    raise ValueError("cannot parse {ID_NO}")
except ValueError:
    log.exception("reader failed")
raise RuntimeError("a bug quoting {MOBILE}")
"""


def _run(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True)


def test_log_records_and_their_tracebacks_are_masked_whatever_the_logger():
    done = _run(LOGS)
    assert "bad row 371602********1234,139****5678" in done.stderr
    assert "ValueError: cannot parse 371602********1234" in done.stderr


def test_an_uncaught_exception_is_printed_masked():
    done = _run(LOGS)
    assert done.returncode == 1
    assert "RuntimeError: a bug quoting 139****5678" in done.stderr
    assert ID_NO not in done.stderr and MOBILE not in done.stderr


CLI_BUG = f"""
import sys
from conductor.cli import app, main

@app.command("explode")
def explode():
    row = "{ID_NO},{MOBILE}"  # a local: rich's pretty traceback would print it
    raise RuntimeError("a bug on row " + row)

sys.argv = ["govlake", "explode"]
main()
"""


def test_the_cli_prints_a_bugs_traceback_masked_and_without_locals():
    done = _run(CLI_BUG)
    assert done.returncode == 1
    assert "RuntimeError: a bug on row 371602********1234,139****5678" in done.stderr
    assert ID_NO not in done.stdout + done.stderr and MOBILE not in done.stdout + done.stderr
