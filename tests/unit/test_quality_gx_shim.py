"""quality/gx_shim.py: Great Expectations keeps one DuckDB connection, so its metrics work.

These fail when GX changes underneath: the private name the shim extends moves, the shim
stops making UnexpectedRowsExpectation count right on DuckDB, or GX starts working on
DuckDB without it (then the shim can go).
"""

import subprocess
import sys
import textwrap

import duckdb
import pytest

pytestmark = pytest.mark.slow  # imports great_expectations (~5 s)

# a GX validation on a DuckDB file: 7 of 10 rows are unexpected
PROGRAM = textwrap.dedent("""
    import sys
    import quality  # first: keeps pyspark's Spark Connect check from ending this `python -c` (quality/gx_import.py)
    import great_expectations as gx
    if sys.argv[2] == "shim":
        from quality import gx_shim
        gx_shim.install()
    context = gx.get_context(mode="ephemeral")
    source = context.data_sources.add_sql("wh", connection_string=f"duckdb:///{sys.argv[1]}")
    batch = source.add_table_asset("t", table_name="t").add_batch_definition_whole_table("all")
    suite = context.suites.add(gx.ExpectationSuite(name="s", expectations=[
        gx.expectations.UnexpectedRowsExpectation(unexpected_rows_query="SELECT * FROM {batch} WHERE i >= 3")]))
    result = context.validation_definitions.add(gx.ValidationDefinition(name="v", data=batch, suite=suite)).run()
    r = result.results[0]
    print("RESULT", r.success, r.result.get("observed_value"), bool(r.exception_info.get("raised_exception")))
""")


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    path = tmp_path_factory.mktemp("gxshim") / "w.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE t AS SELECT range AS i FROM range(10)")
    con.close()
    return path


def _run(warehouse, mode: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", PROGRAM, str(warehouse), mode], capture_output=True, text=True, timeout=300
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith("RESULT")]
    assert lines, done.stdout + done.stderr
    return lines[0]


def test_the_private_name_the_shim_extends_is_still_there():
    from great_expectations.execution_engine import sqlalchemy_execution_engine as engine

    assert isinstance(engine._PERSISTED_CONNECTION_DIALECTS, tuple)
    assert callable(engine._dialect_requires_persisted_connection)


def test_install_is_idempotent_and_makes_duckdb_a_persisted_connection_dialect():
    from great_expectations.execution_engine import sqlalchemy_execution_engine as engine

    from quality import gx_shim

    gx_shim.install()
    gx_shim.install()
    assert sum(1 for d in engine._PERSISTED_CONNECTION_DIALECTS if d == "duckdb") == 1
    assert engine._dialect_requires_persisted_connection(connection_string="duckdb:////tmp/x.duckdb")


def test_with_the_shim_gx_counts_unexpected_rows_on_duckdb(warehouse):
    assert _run(warehouse, "shim") == "RESULT False 7 False"


def test_without_the_shim_gx_still_fails_on_duckdb(warehouse):
    """If this fails, GX works on DuckDB unpatched: delete quality/gx_shim.py and this test."""
    assert _run(warehouse, "plain") != "RESULT False 7 False"


def test_a_connection_with_duckdb_engines_configuration_shares_the_file_with_gx(warehouse):
    """quality/runner.py keeps its connection open while GX's engine reads the same file."""
    import sqlalchemy as sa

    from quality import gx_shim

    con = duckdb.connect(str(warehouse), config=gx_shim.connection_config())
    engine = sa.create_engine(f"duckdb:///{warehouse}")
    try:
        with engine.connect() as other:
            assert (
                other.execute(sa.text("SELECT count(*) FROM t")).scalar()
                == con.execute("SELECT count(*) FROM t").fetchone()[0]
                == 10
            )
    finally:
        engine.dispose()
        con.close()


def test_a_run_id_whose_suffix_reads_as_a_utc_offset_still_names_its_gx_run():
    """GX parses a run name as a date when no run time is given; 20261206T153832Z-8284ad
    became an offset of -82:84 and failed the run's every validation."""
    import great_expectations as gx

    from quality.gx_validate import run_identifier

    run_name, _ = run_identifier(gx, "20261206T153832Z-8284ad").to_tuple()
    assert run_name == "20261206T153832Z-8284ad"
