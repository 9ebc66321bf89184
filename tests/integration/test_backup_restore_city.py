"""容灾备份 of a whole pipeline's lake: two backups at two points, the lake destroyed, each
point restored by `govlake restore --at` with the checksums and query answers it had then."""

from __future__ import annotations

import fcntl
import json
import shutil
import subprocess
import sys
import time

import pytest
from typer.testing import CliRunner

from conductor.cli import app
from govlake.backup import take
from govlake.backup.boundary import run_lock_path
from govlake.settings import Lake
from synth import generate_city
from tests.backup_fixtures import checksums, table_answers, view_answers
from tests.lake_fixtures import run_generated_city

pytestmark = pytest.mark.slow


def _cli(*args):
    ran = CliRunner().invoke(app, [str(a) for a in args], env={"COLUMNS": "250"})
    assert ran.exit_code == 0, ran.output
    return ran.output


@pytest.fixture(scope="module")
def two_points(tmp_path_factory):
    """The lake after a run (point 1) and after a share command (point 2), each backed up, then destroyed."""
    root = tmp_path_factory.mktemp("city")
    lake, _ = run_generated_city(root, 300, 11, defect_rate=0.0)
    backup = root / "backup"
    points = []
    for change in (None, ("share", "token", "create", "--for", "zhang.san", "--role", "analyst")):
        if change:
            _cli(*change, "--home", lake.home)
        # the library's backup: the command would add its own audit record after the snapshot
        taken = take(lake, backup).taken_at.isoformat()
        points.append({"at": taken, "checksums": checksums(lake.home), "answers": _answers(lake)})
    shutil.rmtree(lake.home)
    return lake, backup, points


def _answers(lake: Lake) -> dict:
    """What the lake answers: its warehouse tables, and the views of both its DuckDB files."""
    return {
        "tables": table_answers(lake),
        "warehouse views": view_answers(lake.warehouse),
        "analysts' views": view_answers(lake.analysts),
    }


def test_the_newest_point_restored_in_place_is_byte_identical_and_answers_as_then(two_points):
    lake, backup, points = two_points

    _cli("restore", "--from", backup, "--to", lake.home)

    assert checksums(lake.home) == points[1]["checksums"]
    assert _answers(lake) == points[1]["answers"]


def test_an_earlier_point_restored_elsewhere_answers_as_then_from_its_own_files(two_points):
    lake, backup, points = two_points
    restored = Lake(lake.home.parent / "restored-at-the-run")

    output = _cli("restore", "--from", backup, "--at", points[0]["at"], "--to", restored.home)

    databases = {"warehouse.duckdb", "analysts.duckdb"}  # their path-bound views re-pointed
    same = {p: s for p, s in checksums(restored.home).items() if p not in databases}
    assert same == {p: s for p, s in points[0]["checksums"].items() if p not in databases}
    assert _answers(restored) == points[0]["answers"]
    assert "re-pointed" in output


def test_the_two_points_differ_in_the_warehouse(two_points):
    _, _, points = two_points

    changed = {t for t, a in points[1]["answers"]["tables"].items() if points[0]["answers"]["tables"].get(t) != a}

    assert changed and all(t.startswith("sharing.") for t in changed)


def test_the_city_backup_verifies(two_points):
    _, backup, _ = two_points

    assert "2 snapshot(s)" in _cli("verify", "--backup", backup)


def _run_lock_taken(lake: Lake) -> bool:
    """Whether a run holds the run lock: an exclusive try fails (released at once if it succeeds)."""
    path = run_lock_path(lake)
    if not path.exists():
        return False
    with path.open("a+") as f:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(f, fcntl.LOCK_UN)
        return False


def test_a_backup_started_during_a_run_is_the_lake_after_the_run(tmp_path):
    landing, lake = tmp_path / "landing", Lake(tmp_path / "lake")
    generate_city(landing, persons=300, seed=11, defect_rate=0.0)
    run = subprocess.Popen(
        [sys.executable, "-m", "conductor.cli", "run", "--landing", landing, "--home", lake.home],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while not _run_lock_taken(lake) and run.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert run.poll() is None, "the run ended before the backup could start"

    snap = take(lake, tmp_path / "backup")

    assert run.wait(300) == 0
    taken = {path: entry["sha256"] for path, entry in json.loads(snap.manifest.read_text())["files"].items()}
    assert taken == checksums(lake.home)
