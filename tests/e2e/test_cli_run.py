"""`govlake run` on the clean sample delivery: everything lands, staging builds, status agrees."""

import duckdb
import pytest
from typer.testing import CliRunner

from conductor.cli import app
from govlake.settings import Lake
from tests.conftest import FIXTURES

pytestmark = pytest.mark.slow
SAMPLE = FIXTURES / "clean-city"
SAMPLE_ROWS = 3_438  # shared/samples/README.md: 300 persons, 3,438 rows, 76 files


@pytest.fixture(scope="module")
def ran(tmp_path_factory):
    home = tmp_path_factory.mktemp("run") / "lake"
    result = CliRunner().invoke(app, ["run", "--landing", str(SAMPLE), "--home", str(home)], env={"COLUMNS": "200"})
    return Lake(home), result


def test_run_exits_zero_and_reports_the_dbt_build(ran):
    _, result = ran
    assert result.exit_code == 0, result.output
    assert "dbt build" in result.output


def test_every_sample_row_lands_in_raw_and_nothing_is_quarantined(ran):
    lake, _ = ran
    rows = duckdb.sql(f"select count(*) from read_parquet('{lake.raw}/*/batch=*/*.parquet', union_by_name=true)")
    assert rows.fetchall()[0][0] == SAMPLE_ROWS
    assert not lake.quarantine.exists() or not any(lake.quarantine.rglob("*.jsonl"))


def test_staging_holds_every_row_and_rejects_none(ran):
    lake, _ = ran
    with duckdb.connect(str(lake.warehouse), read_only=True) as con:
        tables = [
            t
            for (t,) in con.execute(
                "select table_name from information_schema.tables "
                "where table_schema = 'staging' and table_name like 'stg\\_%\\_\\_%' escape '\\'"
            ).fetchall()
        ]
        assert len(tables) == 16
        staged = sum(con.execute(f"select count(*) from staging.{t}").fetchall()[0][0] for t in tables)
        rejected = con.execute("select count(*) from staging.stg_rejected").fetchall()[0][0]
    assert staged == SAMPLE_ROWS
    assert rejected == 0


def test_status_summarises_what_run_loaded(ran):
    lake, _ = ran
    result = CliRunner().invoke(app, ["status", "--home", str(lake.home)], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    assert "3,438" in result.output
