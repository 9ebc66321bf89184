"""The same dbt project on Spark (docs/spark.md): one generated city built on DuckDB (the
warehouse) and, through `govlake run --engine spark` in a process of its own, on dbt-spark
in session mode; every base and theme model then has the same rows on both, compared by
count and by an order-independent checksum over all its columns (transform/engine_checksums.py),
both computed by DuckDB: from the warehouse, and from the Parquet files of Spark's tables.

Left out of the comparison, by name:
  _staged_at   when the dbt run that wrote the row started: differs between any two builds,
               on one engine too.
No model is left out.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from govlake.settings import DBT_PROJECT, Lake
from transform.curated import curated_models
from transform.dbt_runner import run_dbt
from transform.engine_checksums import spark_relation, table_checksum

pytestmark = pytest.mark.slow

PERSONS, SEED = 300, 3
SPARK_MEMORY_LIMIT = "1500MB"  # the Spark build's GOVLAKE_MEMORY_LIMIT: its driver's heap
RUN_AUDIT_COLUMNS = frozenset({"_staged_at"})
# schema.model of every model file under models/base and models/theme (their folder is their schema)
PUBLISHED = sorted(
    f"{layer}.{path.stem}" for layer in ("base", "theme") for path in (DBT_PROJECT / "models" / layer).rglob("*.sql")
)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    from ingest import ingest_landing
    from synth import generate_city

    root = tmp_path_factory.mktemp("two_engines")
    landing, lake = root / "landing", Lake(root / "lake")
    generate_city(landing, persons=PERSONS, seed=SEED)
    ingest_landing(landing, lake)
    duck = run_dbt(lake, "build", exclude=["test_type:unit"], quiet=True)
    assert duck.success, duck.as_dict()

    # its own process: a Spark session (JVM, Derby metastore) lives as long as the process;
    # its own working directory, where session mode would put what the profile keeps in the lake
    cwd = root / "cwd"
    cwd.mkdir()
    t0 = time.perf_counter()
    log = root / "spark-run.log"  # a file, not a pipe: nobody reads a pipe while the build runs
    with (
        open(log, "w") as out,
        subprocess.Popen(
            [str(Path(sys.executable).with_name("govlake")), "run", "--engine", "spark"]
            + ["--landing", str(landing), "--home", str(lake.home)],
            cwd=cwd,
            env={**os.environ, "COLUMNS": "250", "GOVLAKE_MEMORY_LIMIT": SPARK_MEMORY_LIMIT},
            stdout=out,
            stderr=subprocess.STDOUT,
        ) as spark,
    ):
        heaps = _jvm_heaps_while_running(spark, timeout=1200)
    seconds = time.perf_counter() - t0
    assert spark.returncode == 0, log.read_text()[-6000:]
    print(f"builds of {PERSONS} persons: duckdb {duck.seconds:.0f} s, spark (govlake run) {seconds:.0f} s")
    with duckdb.connect(str(lake.warehouse), read_only=True) as con:
        yield lake, cwd, con, heaps


def _jvm_heaps_while_running(proc: subprocess.Popen, timeout: float) -> set[str]:
    """The -Xmx options of the Spark driver's JVM under `proc` (not the launcher's short-lived
    JVM that spark-class starts first to build the driver's command), watched until it ends."""
    import psutil

    heaps: set[str] = set()
    deadline = time.monotonic() + timeout
    while proc.poll() is None:
        if time.monotonic() > deadline:
            proc.kill()
            raise AssertionError(f"govlake run --engine spark took over {timeout} s")
        try:
            children = psutil.Process(proc.pid).children(recursive=True)
        except psutil.NoSuchProcess:
            break
        for child in children:
            try:
                cmdline = child.cmdline()
            except psutil.Error:
                continue
            if "org.apache.spark.deploy.SparkSubmit" in cmdline:
                heaps.update(a for a in cmdline if a.startswith("-Xmx"))
        time.sleep(0.5)
    return heaps


def test_the_spark_drivers_heap_is_the_memory_limit(built):
    heaps = built[3]
    assert heaps == {f"-Xmx{int(1.5e9) // 2**20}m"}


def test_spark_keeps_its_warehouse_metastore_and_logs_in_the_lake(built):
    lake, cwd, *_ = built
    spark = lake.home / "spark"
    assert (spark / "warehouse" / "base.db").is_dir()
    assert (spark / "metastore_db").is_dir() and (spark / "derby.log").is_file()
    assert (spark / "dbt" / "run_results.json").is_file()
    assert sorted(p.name for p in cwd.iterdir()) == []


def test_the_comparison_covers_every_base_and_theme_model_built(built):
    lake, *_ = built
    assert sorted(relation for _, _, relation in curated_models(lake.dbt / "manifest.json")) == PUBLISHED


@pytest.mark.parametrize("relation", PUBLISHED)
def test_spark_builds_the_rows_duckdb_builds(built, relation):
    lake, _, con, _ = built
    duck = table_checksum(con, relation, RUN_AUDIT_COLUMNS)
    spark = table_checksum(con, spark_relation(lake, relation), RUN_AUDIT_COLUMNS)
    assert duck.rows > 0, f"{relation}: empty in this city, the comparison would prove nothing"
    assert spark.columns == duck.columns
    assert (spark.rows, spark.checksum) == (duck.rows, duck.checksum)
