"""Which part of the dbt project a pipeline build runs: what new raw data reaches.

After a complete, successful build every model agrees with the raw layer as it was
when that build started, and a model is a function of its inputs alone (none reads
the clock: dates are taken from the data). So the next build needs only the sources
whose raw files changed since, and everything downstream of them: `dbt build --select
source:<dept>.<entity>+ …`. A table no changed source reaches would come out as it is,
and skipping it skips its compilation, its materialisation and its tests — on a daily
batch of one source, most of the work of a build whose models are all incremental.

That reasoning holds only while three facts do; when one fails the plan builds every
model (each incremental model still reads only what it has not read):
  - the last pipeline build was complete and successful (a failed or interrupted build
    may have left any model behind);
  - the dbt project is the one that build ran (a changed model, macro, seed, variable
    or dbt version can change any table);
  - the warehouse is the one that build wrote — the ledger lives in it
    (ops.dbt_build_ledger), so a restored warehouse brings its own.
An ad-hoc `dbt run` in between needs no care: it can only stage batches early, whose
sources the next plan still finds changed, or rebuild a model as it was.

    plan = plan_build(lake)                 # BuildPlan: select=None means every model
    result = build(lake)                    # plan, `dbt build`, ledger; a dict for XCom
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path

from govlake.faults import fault_point
from govlake.lock import lake_lock
from govlake.registry import load_registry
from govlake.settings import Lake
from govlake.warehouse import connect_when_free
from transform.dbt_runner import DBT_PROJECT, DbtRunResult, run_dbt

LEDGER = "ops.dbt_build_ledger"
PROJECT_KEY = "(dbt project)"  # the ledger row of the project fingerprint
# dbt's own output under the project when run from the checkout; not part of what it builds
NOT_PROJECT = {"target", "logs", "dbt_packages"}
# what dbt builds from: SQL (models, macros, tests), YAML (configuration, tests, meta), seeds.
# Markdown (READMEs, docs blocks) changes descriptions, never a table.
BUILT_FROM = {".sql", ".yml", ".yaml", ".csv", ".py"}


@dataclass
class BuildPlan:
    select: list[str] | None  # dbt selectors; None = every model
    reason: str  # why this scope, in a sentence for the log and the UI
    changed_sources: list[str] = field(default_factory=list)
    fingerprints: dict[str, str] = field(default_factory=dict)  # taken before the build

    @property
    def nothing_new(self) -> bool:
        return self.select == []

    def as_dict(self) -> dict:
        d = asdict(self)
        d.pop("fingerprints")
        return d


def plan_build(lake: Lake, full_refresh: bool = False, every_model: bool = False) -> BuildPlan:
    """The scope of the next pipeline build of `lake` (module docstring)."""
    now = fingerprints(lake)
    if full_refresh:
        return BuildPlan(None, "full refresh: every model, from the whole raw layer", fingerprints=now)
    if every_model:
        return BuildPlan(None, "every model, as asked", fingerprints=now)
    last = read_ledger(lake)
    if not last:
        return BuildPlan(None, "no complete build recorded in this warehouse: every model", fingerprints=now)
    if last.get(PROJECT_KEY) != now[PROJECT_KEY]:
        return BuildPlan(None, "the dbt project changed since the last complete build: every model", fingerprints=now)
    changed = sorted(s for s in now.keys() | last.keys() if s != PROJECT_KEY and now.get(s) != last.get(s))
    if not changed:
        return BuildPlan([], "no raw data changed since the last complete build", fingerprints=now)
    return BuildPlan(
        [f"source:{s}+" for s in changed],
        f"raw data of {len(changed)} source(s) changed since the last complete build: "
        "those sources and everything downstream",
        changed_sources=changed,
        fingerprints=now,
    )


def build(
    lake: Lake, *, full_refresh: bool = False, every_model: bool = False, quiet: bool = False, debug_log: bool = False
) -> dict:
    """Plan, run `dbt build` on the plan's scope and record the outcome in the ledger.

    The result is run_dbt's (as a dict) plus "plan"; when nothing is new, dbt is not
    invoked and the result says so (success, no counts)."""
    with lake_lock(lake):
        plan = plan_build(lake, full_refresh=full_refresh, every_model=every_model)
        if plan.nothing_new:
            return {**DbtRunResult(success=True, args=[], seconds=0.0).as_dict(), "plan": plan.as_dict()}
        fault_point("build.before_dbt")
        # dbt unit tests check the project's SQL, not the data: tests/integration runs them
        # (test_dbt_golden_records), so a build does not pay for them every day
        result = run_dbt(
            lake,
            "build",
            select=plan.select,
            exclude=["test_type:unit"],
            full_refresh=full_refresh,
            quiet=quiet,
            debug_log=debug_log,
            indirect_selection="eager",
        )
        fault_point("build.before_ledger")
        write_ledger(lake, plan.fingerprints if result.success else None)
    return {**result.as_dict(), "plan": plan.as_dict()}


def build_on_engine(lake: Lake, engine: str, *, quiet: bool = False, debug_log: bool = False) -> dict:
    """`dbt build` of every model on another engine than the warehouse's (docs/spark.md):
    a full build, so no plan and no ledger entry (the ledger says what the warehouse holds).
    The result has build()'s shape."""
    result = run_dbt(lake, "build", exclude=["test_type:unit"], quiet=quiet, debug_log=debug_log, engine=engine)
    plan = {"select": None, "reason": f"every model, on {engine} (its builds are full)", "changed_sources": []}
    return {**result.as_dict(), "plan": plan}


def fingerprints(lake: Lake) -> dict[str, str]:
    """One fingerprint per source (its raw files: name, size, mtime) and one of the project."""
    prints = {PROJECT_KEY: project_fingerprint()}
    for source_id in sorted(load_registry().sources):
        h = hashlib.sha256()
        for f in sorted((lake.raw / source_id).glob("batch=*/*.parquet")):
            st = f.stat()
            h.update(f"{f.parent.name}/{f.name}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
        prints[source_id] = h.hexdigest()
    return prints


def project_fingerprint(project_dir: Path = DBT_PROJECT) -> str:
    """Every file of the dbt project a table can depend on (models, macros, seeds, tests,
    configuration) and the dbt versions that build it."""
    h = hashlib.sha256(f"dbt-core {version('dbt-core')}; dbt-duckdb {version('dbt-duckdb')}\n".encode())
    for f in sorted(project_dir.rglob("*")):
        rel = f.relative_to(project_dir)
        if f.is_file() and f.suffix in BUILT_FROM and rel.parts[0] not in NOT_PROJECT:
            h.update(f"{rel.as_posix()}\0".encode())
            h.update(hashlib.sha256(f.read_bytes()).digest())
    return h.hexdigest()


def read_ledger(lake: Lake) -> dict[str, str]:
    """The fingerprints the last complete build started from; {} when there is none."""
    if not lake.warehouse.exists():
        return {}
    with connect_when_free(lake, read_only=True) as con:
        found = con.execute(
            "select count(*) from information_schema.tables "
            "where table_schema = 'ops' and table_name = 'dbt_build_ledger'"
        ).fetchone()[0]
        if not found:
            return {}
        return dict(con.execute(f"select name, fingerprint from {LEDGER}").fetchall())


def write_ledger(lake: Lake, prints: dict[str, str] | None) -> None:
    """Record a complete build's starting fingerprints, or (None) forget the last one."""
    if not lake.warehouse.exists():
        return
    with connect_when_free(lake) as con:
        con.execute("create schema if not exists ops")
        con.execute(
            f"create table if not exists {LEDGER} "
            "(name varchar primary key, fingerprint varchar not null, built_at timestamptz not null)"
        )
        con.execute("begin")
        con.execute(f"delete from {LEDGER}")
        if prints:
            at = datetime.now(UTC)
            con.executemany(f"insert into {LEDGER} values (?, ?, ?)", [(k, v, at) for k, v in prints.items()])
        con.execute("commit")
