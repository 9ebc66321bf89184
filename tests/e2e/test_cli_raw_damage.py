"""`govlake run` over a damaged raw layer (issue 12, item 2), on the clean sample delivery:
damage landing can heal is healed and the run publishes in full; damage it cannot heal
stops a full refresh with one line naming the partition, and curated stays as it was."""

import os
import shutil
import subprocess
import sys

import duckdb
import pytest
from typer.testing import CliRunner

from conductor.cli import app
from govlake.settings import Lake
from tests.conftest import FIXTURES
from tests.lake_fixtures import overwrite_middle, tree_state, truncate

pytestmark = pytest.mark.slow
SOURCE, BATCH = "gaj.household_register", "2026-10-01"
WHERE = f"raw/{SOURCE}/batch={BATCH}"
SAMPLE_ROWS = 3_438  # as tests/e2e/test_cli_run.py


def _run(lake: Lake, landing, *args: str):
    argv = ["run", "--landing", str(landing), "--home", str(lake.home), *args]
    return CliRunner().invoke(app, argv, env={"COLUMNS": "200"})


def _raw_rows(lake: Lake) -> int:
    glob = f"{lake.raw}/*/batch=*/*.parquet"
    return duckdb.sql(f"select count(*) from read_parquet('{glob}', union_by_name=true)").fetchall()[0][0]


@pytest.fixture
def ran(tmp_path):
    """The sample delivered into a landing zone of the test's own and run once."""
    landing = tmp_path / "landing"
    shutil.copytree(FIXTURES / "clean-city", landing)
    lake = Lake(tmp_path / "lake")
    first = _run(lake, landing)
    assert first.exit_code == 0, first.output
    return lake, landing, first


def test_a_truncated_part_is_healed_from_landing_and_the_run_publishes_in_full(ran):
    lake, landing, first = ran
    truncate(lake.raw_partition(SOURCE, BATCH) / "part-00000.parquet")
    result = _run(lake, landing)
    assert result.exit_code == 0, result.output
    assert f"{SOURCE} {BATCH}: raw partition damaged ({WHERE}: part-00000.parquet:" in " ".join(result.output.split())
    assert _raw_rows(lake) == SAMPLE_ROWS
    (published,) = [x.split("→")[0] for x in first.output.splitlines() if x.startswith("Curated: ")]
    assert published in result.output  # as many tables and rows as the clean run published


def test_a_full_refresh_over_bytes_changed_in_place_is_refused_when_landing_cannot_heal(ran):
    lake, landing, _ = ran
    shutil.rmtree(landing / SOURCE / BATCH)
    overwrite_middle(lake.raw_partition(SOURCE, BATCH) / "part-00000.parquet", keep_mtime=True)
    curated = tree_state(lake.curated)
    done = subprocess.run(
        [sys.executable, "-m", "conductor.cli", "run", "--full-refresh", "--landing", str(landing)],
        env={**os.environ, "GOVLAKE_HOME": str(lake.home), "COLUMNS": "200"},
        capture_output=True,
        text=True,
    )
    assert done.returncode == 1
    (line,) = [x for x in done.stderr.splitlines() if x.startswith("govlake: ")]
    assert line.startswith(f"govlake: raw layer damaged, build refused: {WHERE}: part-00000.parquet: sha256 differs")
    assert tree_state(lake.curated) == curated
