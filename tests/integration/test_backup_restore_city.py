"""容灾备份 of a whole pipeline's lake: two backups at two points, the lake destroyed, each
point restored by `govlake restore --at` with the checksums and query answers it had then."""

from __future__ import annotations

import json
import shutil

import pytest
from typer.testing import CliRunner

from conductor.cli import app
from govlake.settings import Lake
from tests.backup_fixtures import checksums, table_answers
from tests.lake_fixtures import run_generated_city

pytestmark = pytest.mark.slow


def _cli(*args):
    ran = CliRunner().invoke(app, [str(a) for a in args], env={"COLUMNS": "250"})
    assert ran.exit_code == 0, ran.output
    return ran.output


def _taken_at(backup, output):
    """The time in the manifest of the snapshot `govlake backup` just reported."""
    name = output.split("snapshot ", 1)[1].split(":", 1)[0]
    return json.loads((backup / "snapshots" / name).read_text())["taken_at"]


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
        taken = _taken_at(backup, _cli("backup", "--to", backup, "--home", lake.home))
        points.append({"at": taken, "checksums": checksums(lake.home), "answers": table_answers(lake)})
    shutil.rmtree(lake.home)
    return root, backup, points


@pytest.mark.parametrize("point", [0, 1], ids=["after the run", "after a share command"])
def test_each_point_restores_with_the_checksums_and_query_answers_it_had(two_points, point):
    root, backup, points = two_points
    restored = root / f"restored-{point}"

    _cli("restore", "--from", backup, "--at", points[point]["at"], "--to", restored)

    assert checksums(restored) == points[point]["checksums"]
    assert table_answers(Lake(restored)) == points[point]["answers"]


def test_the_two_points_differ_in_the_warehouse(two_points):
    _, _, points = two_points

    changed = {t for t, a in points[1]["answers"].items() if points[0]["answers"].get(t) != a}

    assert changed and all(t.startswith("sharing.") for t in changed)


def test_the_city_backup_verifies(two_points):
    _, backup, _ = two_points

    assert "2 snapshot(s)" in _cli("verify", "--backup", backup)
