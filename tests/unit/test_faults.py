"""govlake.faults: a fault point fires only when GOVLAKE_FAULT names it, on its nth hit."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest

from govlake.faults import parse
from tests.conftest import REPO

HIT_TWICE = """
from govlake.faults import fault_point
for _ in range(2):
    fault_point("x.y")
    print("passed", flush=True)
"""


def _run(spec: str | None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "GOVLAKE_FAULT"}
    if spec is not None:
        env["GOVLAKE_FAULT"] = spec
    return subprocess.run([sys.executable, "-c", HIT_TWICE], capture_output=True, text=True, cwd=REPO, env=env)


def test_a_spec_names_the_point_the_hit_and_the_mode():
    assert parse("ingest.after_staging:3:enospc") == ("ingest.after_staging", 3, "enospc")
    assert parse("build.before_dbt") == ("build.before_dbt", 1, "kill")
    assert parse("") is None


def test_a_spec_with_an_unknown_mode_is_refused():
    with pytest.raises(ValueError, match="neither a hit number"):
        parse("x:explode")


def test_an_unarmed_or_other_point_does_nothing():
    assert _run(None).stdout.split() == ["passed", "passed"]
    assert _run("other.point").stdout.split() == ["passed", "passed"]


def test_kill_sends_sigkill_on_the_nth_hit():
    done = _run("x.y:2:kill")
    assert done.returncode == -signal.SIGKILL
    assert done.stdout.split() == ["passed"]


def test_enospc_raises_a_full_disk_error():
    done = _run("x.y:enospc")
    assert done.returncode == 1 and "No space left on device" in done.stderr and "x.y" in done.stderr
