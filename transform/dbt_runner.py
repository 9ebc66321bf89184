"""Run the dbt project against a lake, in-process (dbtRunner), and keep its artifacts.

    from transform.dbt_runner import run_dbt
    result = run_dbt(Lake.from_env(), "build")            # or ["build", "--select", "staging"]
    result.success, result.counts, result.problems, result.as_dict()

What a call does:
  - sets GOVLAKE_HOME to the lake for the duration of the call (profiles.yml puts the
    warehouse at $GOVLAKE_HOME/warehouse.duckdb, _sources.yml reads $GOVLAKE_HOME/raw), and
    DuckDB's memory limit, threads and spill directory (govlake.duckdb_settings) for the profile;
  - writes dbt's target/ and logs/ under <lake>/dbt/, not in the checkout;
  - holds <lake>/dbt/.lock, so two runs on one lake queue instead of fighting over
    the DuckDB file (one writer at a time) and over target/;
  - copies manifest.json and run_results.json (and catalog.json after `docs generate`)
    of this invocation (checked by its invocation_id) to <lake>/dbt/, each replaced
    atomically, for the catalog, the quality layer and Airflow (Cosmos can load the
    manifest from there);
  - closes the warehouse afterwards, so other processes can open it.

The result is plain data (as_dict() is JSON-serialisable), so an Airflow task can
return it as its XCom and `govlake` commands can print it.
"""

from __future__ import annotations

import json
import os
import shutil
import threading
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

from govlake import duckdb_settings
from govlake.faults import fault_point
from govlake.lock import lake_lock
from govlake.settings import DBT_PROJECT, Lake

ARTIFACTS = ("manifest.json", "run_results.json", "catalog.json")  # catalog: `docs generate` only
# Statuses of run_results.json that are not a problem.
OK_STATUSES = {"success", "pass", "skipped", "no op", "no-op"}  # no-op: exposures, which a build lists but does not run

# dbtRunner keeps process-wide state (flags, adapters): one invocation at a time per process.
_in_process = threading.Lock()


@dataclass
class DbtRunResult:
    success: bool
    args: list[str]
    seconds: float
    invocation_id: str | None = None
    counts: dict[str, int] = field(default_factory=dict)  # status -> nodes, e.g. {"success": 17, "pass": 54, "warn": 4}
    problems: list[dict] = field(default_factory=list)  # nodes whose status is warn, error, fail or runtime error
    manifest: str | None = None  # <lake>/dbt/manifest.json of this invocation
    run_results: str | None = None  # <lake>/dbt/run_results.json of this invocation
    catalog: str | None = None  # <lake>/dbt/catalog.json, when the command was `docs generate`
    error: str | None = None  # dbt's exception, when it did not get to run the nodes

    def as_dict(self) -> dict:
        return asdict(self)


ENGINES = ("duckdb", "spark")  # profiles.yml's outputs (docs/spark.md)


def dbt_dir(lake: Lake, engine: str = "duckdb") -> Path:
    """Where a build's target/, logs/ and artifacts go: <lake>/dbt/ for the warehouse's
    engine, <lake>/spark/dbt/ for Spark, so a Spark build never replaces the manifest and
    run results the quality layer and the catalog read."""
    return lake.dbt if engine == "duckdb" else lake.home / engine / "dbt"


def run_dbt(
    lake: Lake,
    command: str | Sequence[str] = "build",
    *,
    select: Sequence[str] | None = None,
    exclude: Sequence[str] | None = None,
    full_refresh: bool = False,
    threads: int | None = None,
    quiet: bool = False,
    debug_log: bool = False,
    indirect_selection: str = "cautious",
    project_dir: Path = DBT_PROJECT,
    engine: str = "duckdb",
) -> DbtRunResult:
    """Invoke `dbt <command>` on the project for `lake`; never raises for a failed run.

    `command` is a dbt subcommand ("build", "run", "test", "seed", "parse", "docs
    generate" as ["docs", "generate"]) or a full argument list. `select`/`exclude` are
    dbt selectors; `full_refresh` rebuilds incremental models from all of raw.
    `debug_log` writes dbt's debug lines (every SQL statement) to <lake>/dbt/logs/dbt.log;
    by default the file gets info and above: writing the debug lines (thousands) cost a
    build whose models have little to do about a tenth of its time, and the SQL of each
    model is kept in target/run/ anyway. `quiet` prints nothing (the result carries dbt's
    error and the failing nodes).
    `indirect_selection` decides which tests a selection brings along: "cautious" (the
    default) runs a test only when every model it reads is selected, so an ad-hoc build
    never tests a relationship against a table it did not build; a build that knows the
    unselected tables are current (transform.build_plan) passes "eager".
    `engine` picks the profile's output: "duckdb" (the warehouse) or "spark" (dbt-spark in
    session mode, its tables in <lake>/spark/warehouse/); a Spark build is always a full
    refresh (docs/spark.md).
    """
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {', '.join(ENGINES)}, not {engine!r}")
    from dbt.cli.main import dbtRunner  # ~2 s import: only when dbt is actually run

    args = [command] if isinstance(command, str) else list(command)
    out = dbt_dir(lake, engine)
    target, logs = out / "target", out / "logs"
    args += [
        "--project-dir",
        str(project_dir),
        "--profiles-dir",
        str(project_dir),
        "--target-path",
        str(target),
        "--log-path",
        str(logs),
        "--target",
        engine,
    ]
    if select:
        args += ["--select", *select]
        if args[0] in ("build", "test"):
            args += ["--indirect-selection", indirect_selection]
    if exclude:
        args += ["--exclude", *exclude]
    if full_refresh or (engine == "spark" and args[0] in ("build", "run", "seed")):
        args.append("--full-refresh")
    if threads:
        args += ["--threads", str(threads)]
    if quiet:
        # not --quiet: that still formats every event for the console and drops it after;
        # the result carries dbt's error and the failing nodes
        args += ["--log-level", "none"]
    args += ["--log-level-file", "debug" if debug_log else "info"]

    out.mkdir(parents=True, exist_ok=True)
    lake.home.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    duck = duckdb_settings.settings(lake)
    with (
        _in_process,
        lake_lock(lake),
        _env(
            GOVLAKE_HOME=str(lake.home),
            GOVLAKE_MEMORY_LIMIT=duck["memory_limit"],
            GOVLAKE_THREADS=duck["threads"],
            GOVLAKE_DUCKDB_TEMP_DIRECTORY=duck["temp_directory"],
            GOVLAKE_SPARK_DRIVER_MEMORY=f"{duckdb_settings.memory_limit_bytes() // 2**20}m",
        ),
    ):
        before = _mtimes(target)
        try:
            res = None
            if engine == "spark" and args[0] in ("build", "run", "test", "compile"):
                res = _declare_raw_sources(dbtRunner(), args)
            if res is None or res.success:
                res = dbtRunner().invoke(args)
        finally:
            _release_duckdb()
        invocation_id = _invocation_id()
        fault_point("build.after_dbt")  # the warehouse built, its artifacts not yet copied
        copied = _copy_artifacts(target, out, invocation_id, before)
    result = DbtRunResult(
        success=bool(res.success),
        args=args,
        seconds=round(time.perf_counter() - t0, 3),
        invocation_id=invocation_id,
        **copied,
    )
    if res.exception is not None:
        result.error = f"{type(res.exception).__name__}: {res.exception}"
    if result.run_results:
        _summarise(Path(result.run_results), result)
    return result


def _declare_raw_sources(runner, args: list[str]):
    """Spark reads raw Parquet through external tables, declared before the command by the
    operation register_raw_sources (dbt_project/macros/cross_db/register_raw_sources.sql):
    an on-run-start hook would do it too, but every run's results would list the hook."""
    shared = [a for a in args[1:] if a not in ("--full-refresh",)]
    shared = _without_option(shared, ("--select", "--exclude", "--indirect-selection", "--threads"))
    return runner.invoke(["run-operation", "register_raw_sources", *shared])


def _without_option(args: list[str], options: tuple[str, ...]) -> list[str]:
    """args without the named options and their values (each value until the next --option)."""
    out, skipping = [], False
    for a in args:
        if a.startswith("--"):
            skipping = a in options
        if not skipping:
            out.append(a)
    return out


def _summarise(path: Path, result: DbtRunResult) -> None:
    doc = json.loads(path.read_text(encoding="utf-8"))
    statuses = Counter()
    for r in doc.get("results", []):
        statuses[r["status"]] += 1
        if r["status"] not in OK_STATUSES:
            result.problems.append(
                {
                    "unique_id": r["unique_id"],
                    "status": r["status"],
                    "failures": r.get("failures"),
                    "message": r.get("message"),
                }
            )
    result.counts = dict(sorted(statuses.items()))


def _release_duckdb() -> None:
    """Close the DuckDB database dbt-duckdb keeps open in this process after a run.

    dbt-duckdb caches one environment per process and closes its connection only when
    every handle is given back, which an in-process invocation does not guarantee. Left
    open, it holds the warehouse's write lock: no other process (an analyst, the ops
    views, the next Airflow task) could open the file. Private API, hence guarded;
    tests/integration/test_dbt_staging.py opens the warehouse right after each run.
    """
    try:
        from dbt.adapters.duckdb.connections import DuckDBConnectionManager
    except ImportError:
        return
    with DuckDBConnectionManager._LOCK:
        env, DuckDBConnectionManager._ENV = DuckDBConnectionManager._ENV, None
    if env is not None:
        env.close()


def _invocation_id() -> str | None:
    try:
        from dbt_common.invocation import get_invocation_id

        return get_invocation_id()
    except Exception:  # an import path that moved: the artifacts are still copied by mtime
        return None


def _mtimes(target: Path) -> dict[str, int]:
    return {a: (target / a).stat().st_mtime_ns for a in ARTIFACTS if (target / a).exists()}


def _copy_artifacts(target: Path, out: Path, invocation_id: str | None, before: dict[str, int]) -> dict:
    """Copy the artifacts this invocation wrote (same invocation_id, or rewritten since
    it started) next to the lake's dbt dir; a stale file from an earlier run is not copied."""
    copied: dict[str, str | None] = {"manifest": None, "run_results": None, "catalog": None}
    for name in ARTIFACTS:
        src = target / name
        if not src.exists() or src.stat().st_mtime_ns == before.get(name):
            continue
        if invocation_id and _artifact_invocation(src) not in (invocation_id, None):
            continue
        tmp = out / f".{name}.tmp"
        try:
            shutil.copyfile(src, tmp)
            os.replace(tmp, out / name)
        except BaseException:
            tmp.unlink(missing_ok=True)  # a full disk must not leave half a copy behind
            raise
        copied[name.removesuffix(".json")] = str(out / name)
    return copied


def _artifact_invocation(path: Path) -> str | None:
    # The metadata block comes first; reading the whole manifest (MBs) is fine but needless.
    try:
        with path.open(encoding="utf-8") as f:
            head = f.read(4096)
        marker = '"invocation_id": "'
        i = head.find(marker)
        return head[i + len(marker) : head.index('"', i + len(marker))] if i >= 0 else None
    except OSError:
        return None


@contextmanager
def _env(**values: str) -> Iterator[None]:
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
