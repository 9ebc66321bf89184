"""Builds the Airflow DAGs from the source registry (dags/ only calls this).

One ingestion DAG per source: wait for a complete batch (_READY), ingest it,
and publish the raw-layer Asset that downstream DAGs (dbt) are scheduled on. Every DAG's
tasks and runs are recorded in the audit log (conductor/airflow_audit.py). Every process
that parses the DAGs — the task processes too — masks what it logs
(govlake.pii.install_masking).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path

import yaml

from conductor.airflow_audit import DAG_CALLBACKS, TASK_CALLBACKS
from govlake.pii import install_masking
from govlake.registry import Source, load_registry

CONFIG_PATH = Path(__file__).with_name("orchestration.yaml")


def task_defaults(config: dict, owner: str) -> dict:
    """Every task's retries and timeouts (orchestration.yaml), its owner, the callbacks that
    put every task attempt in the audit log, and the notifiers the environment configures
    (conductor/notifications.py), told when a task has failed for good."""
    from conductor.notifications import notifiers

    args = config["default_args"]
    return {
        "owner": owner,
        "retries": args["retries"],
        "retry_delay": timedelta(minutes=args["retry_delay_minutes"]),
        "execution_timeout": timedelta(minutes=args["execution_timeout_minutes"]),
        **TASK_CALLBACKS,
        "on_failure_callback": [TASK_CALLBACKS["on_failure_callback"], *notifiers()],
    }


def load_config() -> dict:
    return yaml.safe_load(CONFIG_PATH.read_text(encoding="utf-8"))


SENSING_ENV = "GOVLAKE_READY_SENSING"
SENSINGS = ("reschedule", "deferrable")


def sensing(config: dict, env: dict[str, str] | None = None) -> str:
    """How the _READY sensors wait (conductor/ready_sensing.py): the environment's choice, else
    orchestration.yaml's."""
    env = os.environ if env is None else env
    chosen = env.get(SENSING_ENV) or config["ready_sensor"].get("sensing", "reschedule")
    if chosen not in SENSINGS:
        raise ValueError(f"ready sensing {chosen!r} ({SENSING_ENV} or orchestration.yaml): expected one of {SENSINGS}")
    return chosen


ENGINES = ("duckdb", "spark")


def dbt_engine(config: dict) -> str:
    """Where the transform DAG's dbt_build runs (orchestration.yaml `dbt.engine`, default duckdb)."""
    chosen = (config.get("dbt") or {}).get("engine", "duckdb")
    if chosen not in ENGINES:
        raise ValueError(f"dbt engine {chosen!r} (orchestration.yaml dbt.engine): expected one of {ENGINES}")
    return chosen


POKE_ENV = "GOVLAKE_READY_POKE_SECONDS"


def poke_interval(config: dict, env: dict[str, str] | None = None) -> float:
    """Seconds between two looks for `_READY`: the environment's choice (a deployment that wants
    deliveries picked up sooner), else orchestration.yaml's."""
    env = os.environ if env is None else env
    chosen = env.get(POKE_ENV) or config["ready_sensor"]["poke_interval_seconds"]
    try:
        seconds = float(chosen)
    except ValueError:
        seconds = 0.0
    if not seconds > 0:
        raise ValueError(f"ready poke interval {chosen!r} ({POKE_ENV} or orchestration.yaml): expected seconds > 0")
    return seconds


def ingest_dag_id(source_id: str) -> str:
    return "ingest__" + source_id.replace(".", "__")


def raw_asset(source_id: str):
    from airflow.sdk import Asset

    return Asset(name=f"raw/{source_id}", uri=f"govlake://raw/{source_id}", group="raw")


def curated_asset():
    """The curated Parquet layer: what quality checks and the resource directory read."""
    from airflow.sdk import Asset

    return Asset(name="curated", uri="govlake://curated", group="curated")


TRANSFORM_DAG_ID = "transform__dbt_build"


@contextmanager
def transform_step(*, opens: bool = False, closes: bool = False) -> Iterator:
    """The lake, for one task of a transform DAG run: its part of the run, held against backups
    (govlake/backup/boundary.py: the first task opens the run, the last closes it)."""
    from airflow.sdk import get_current_context

    from govlake.backup.boundary import dag_run_step
    from govlake.settings import Lake

    lake = Lake.from_env()
    with dag_run_step(lake, get_current_context()["run_id"], opens=opens, closes=closes):
        yield lake


def build_transform_dag():
    """dbt_build → quality_run → quality_gate → publish_curated, scheduled whenever any
    raw-layer Asset is updated; publish_curated runs only when the gate passed, the steward
    report (quality_report) last, after the gate and the publication whatever they did."""
    from functools import reduce

    from airflow.sdk import DAG, task

    install_masking()

    registry = load_registry()
    config = load_config()
    assets = [raw_asset(s) for s in sorted(registry.sources)]
    writers = config["warehouse_pool"]["name"]  # every task here writes the warehouse
    engine = dbt_engine(config)
    with DAG(
        dag_id=TRANSFORM_DAG_ID,
        description="dbt build → quality run → quality gate → publish curated",
        schedule=reduce(lambda a, b: a | b, assets),
        start_date=datetime.fromisoformat(str(config["start_date"])),
        catchup=False,
        max_active_runs=1,
        tags=["transform", "dbt", "quality"],
        doc_md=(
            "### dbt build\n\nRuns `dbt build` (models and their tests) on the warehouse whenever a "
            "raw-layer Asset changes: the models downstream of the sources whose raw data changed since "
            "the last complete build, every model after a failed build or a change to the dbt project "
            "(`transform/build_plan.py`; the task's XCom says which and why). The manifest.json and "
            "run_results.json of the same invocation are kept under `<lake>/dbt/`. Then `quality_run` "
            "checks every batch (GB/T 36344 rules, scores in `quality.scores`), `quality_gate` holds "
            "promotion when a batch's share of rows failing blocking rules is over its threshold or a "
            "file was rejected (`quality/gate.yaml`; its log says source, batch, rules and share), and only "
            "after a passing gate `publish_curated` publishes — after a held one it is skipped, with the "
            "reason, and the run still succeeds: a hold is a decision for the stewards, not a breakdown. It publishes "
            "every base and theme table as `curated/<library>/<table>.parquet` and updates the Asset "
            "`curated`, whose event's extra names the gate, the batches it passed and every table with its "
            "rows. `quality_report` writes the steward report (`reports/quality/index.html`, a "
            "workbook per department) after the gate and the publication, also when the gate held a batch. "
            "From `dbt_build` to `quality_report` the run is open to backups: `govlake backup` waits for "
            "it to close (`govlake/backup/boundary.py`). With `dbt.engine: spark` (orchestration.yaml) "
            "dbt_build builds every model on Spark into `<lake>/spark/warehouse/` and the steps that read "
            "the warehouse are skipped (docs/spark.md)."
        ),
        default_args=task_defaults(config, owner="dsj"),
        **DAG_CALLBACKS,
    ) as dag:
        # Every task changes the lake: the run is open to backups from dbt_build to
        # quality_report, which runs last whatever became of the others (transform_step)
        @task(task_id="dbt_build", pool=writers)
        def dbt_build() -> dict:
            from conductor.pipeline import transform, transform_summary
            from transform.failures import build_failure

            # dbt's node-by-node output goes to its log file; the task log gets one line, and
            # on failure an exception naming the failing models and tests (so does the notice)
            with transform_step(opens=True) as lake:
                result = transform(lake, publish=False, quiet=True, engine=engine)
            print(transform_summary(result, lake), flush=True)
            failure = build_failure(result)
            if failure:
                raise failure
            return result

        @task(task_id="quality_run", pool=writers)
        def quality_run(_build: dict) -> dict:
            from airflow.sdk.exceptions import AirflowSkipException

            from conductor.pipeline import quality_run

            if engine != "duckdb":  # the rules read the warehouse, which this build left as it was
                raise AirflowSkipException(f"dbt built on {engine}: the warehouse was not rebuilt (docs/spark.md)")

            with transform_step() as lake:
                return quality_run(lake)

        # a held batch stays held until it is re-delivered: retrying the gate changes nothing
        @task(task_id="quality_gate", retries=0, pool=writers)
        def quality_gate(_checked: dict) -> dict:
            from airflow.sdk import get_current_context

            from conductor.notifications import notifiers, notify_hold
            from conductor.pipeline import quality_gate

            with transform_step() as lake:
                result = quality_gate(lake)
            print(result["reason"] or f"quality gate passed: all {result['batches']} batches", flush=True)
            if not result["passed"]:
                notify_hold(get_current_context(), result, notifiers())
            return result

        # A held gate is a decision, not a breakdown: the run succeeds with publish_curated
        # skipped (the reason in its log, the steward report and the audit log); a failed
        # task means the pipeline itself broke and needs an engineer.
        @task(task_id="publish_curated", outlets=[curated_asset()], pool=writers)
        def publish(gate: dict) -> list[dict]:
            from airflow.sdk import get_current_context
            from airflow.sdk.exceptions import AirflowSkipException

            from conductor.asset_events import curated_event_extra
            from conductor.pipeline import publish_curated

            if not gate["passed"]:
                raise AirflowSkipException(gate["reason"])
            with transform_step() as lake:
                published = publish_curated(lake)
            get_current_context()["outlet_events"][curated_asset()].extra = curated_event_extra(published, gate)
            return published

        # the steward report explains a held gate: it runs once the gate and the publication
        # are done, whatever they decided (all_done: also after a task that broke), and
        # closes the run for backups
        @task(task_id="quality_report", trigger_rule="all_done", pool=writers)
        def quality_report() -> dict:
            from conductor.pipeline import quality_report

            with transform_step(closes=True) as lake:
                return quality_report(lake)

        gate = quality_gate(quality_run(dbt_build()))
        publish(gate) >> quality_report()
    return dag


CATALOG_DAG_ID = "catalog__directory"


def build_catalog_dag():
    """The 政务信息资源目录 rebuilt whenever curated is published (the Asset publish_curated
    updates, after build, quality run and a passing gate)."""
    from airflow.sdk import DAG, task

    install_masking()

    config = load_config()
    writers = config["warehouse_pool"]["name"]  # both tasks write the warehouse (sync: its sync state)
    with DAG(
        dag_id=CATALOG_DAG_ID,
        description="resource directory (政务信息资源目录) after each curated publication",
        schedule=[curated_asset()],
        start_date=datetime.fromisoformat(str(config["start_date"])),
        catchup=False,
        max_active_runs=1,
        tags=["catalog"],
        doc_md=(
            "### 政务信息资源目录\n\nRuns when the Asset `curated` is updated (a publication after a passing "
            "gate): rebuilds the directory in the warehouse (`catalog.resources`, `catalog.items`, "
            "`catalog.relations`, `catalog.quality`, the code register), compares it with the published "
            "directory (a change that widens access waits for `govlake catalog approve`), and writes what "
            "`conductor.pipeline.catalog_build` writes. `govlake run` does the same in-process. Then "
            "`sync_openmetadata` publishes the directory to OpenMetadata (`govlake catalog sync-openmetadata`), "
            "skipped with its reason logged when no server or token is configured (`$OPENMETADATA_HOST`, "
            "`$OPENMETADATA_TOKEN_FILE`)."
        ),
        default_args=task_defaults(config, owner="dsj"),
        **DAG_CALLBACKS,
    ) as dag:

        @task(task_id="build_directory", pool=writers)
        def build_directory() -> dict:
            from conductor.pipeline import catalog_build
            from govlake.settings import Lake

            result = catalog_build(Lake.from_env())
            print(
                f"resource directory: {result['resources']} resources, {result['items']} items; "
                f"version {result['version'] or 'unchanged'}, {result['pending']} change(s) waiting for review",
                flush=True,
            )
            return result

        @task(task_id="sync_openmetadata", pool=writers)
        def sync_openmetadata() -> dict:
            from airflow.sdk.exceptions import AirflowSkipException

            from catalog.om_settings import from_environment
            from catalog.om_sync import sync
            from conductor.om_pipelines import airflow_pipelines
            from govlake.settings import Lake

            target, reason = from_environment()
            if target is None:
                print(f"OpenMetadata sync skipped: {reason}", flush=True)
                raise AirflowSkipException(reason)
            result = sync(Lake.from_env(), target.host, target.token, pipelines=airflow_pipelines())
            print(
                f"OpenMetadata {target.host}: {result.entities} entities, {result.writes} written, "
                f"{result.unchanged} unchanged",
                flush=True,
            )
            return {"created": result.created, "updated": result.updated, "deleted": result.deleted,
                    "unchanged": result.unchanged}  # fmt: skip

        build_directory() >> sync_openmetadata()
    return dag


def build_ingest_dags() -> dict[str, object]:
    install_masking()
    registry = load_registry()
    config = load_config()
    return {ingest_dag_id(s.id): _ingest_dag(s, registry, config) for s in registry.sources.values()}


def _ingest_dag(source: Source, registry, config: dict):
    from airflow.sdk import DAG, Param, task

    from conductor.ready_sensing import ReadySensor

    dept = registry.departments[source.department]
    sensor = config["ready_sensor"]
    doc = (
        f"### {source.title} ({source.id})\n\n"
        f"Provider: {dept.name}. Delivery: {source.delivery.note}. Format: {source.format}"
        f"{' / ' + source.encoding if source.encoding else ''}. Files: `{source.file}`.\n\n"
        "Waits for a batch directory holding `_READY` (in the triggerer when sensing is deferrable: "
        "`conductor/ready_sensing.py`), ingests every complete batch into "
        f"raw Parquet (idempotent, atomic per batch), then updates the Asset `raw/{source.id}`; the "
        "event's extra lists each batch with its status and rows written, quarantined and files rejected."
    )
    with DAG(
        dag_id=ingest_dag_id(source.id),
        description=f"Ingest {source.title} ({source.id}) into raw Parquet",
        schedule=config["schedules"][source.delivery.cadence],
        start_date=datetime.fromisoformat(str(config["start_date"])),
        catchup=False,
        max_active_runs=config["max_active_runs"],
        tags=["ingest", source.department, source.library],
        doc_md=doc,
        default_args=task_defaults(config, owner=source.department),
        **DAG_CALLBACKS,
        params={
            "only_new": Param(
                True, type="boolean", description="Wait for a new or changed batch; false ingests whatever is complete."
            ),
        },
    ) as dag:
        wait_for_ready = ReadySensor(
            task_id="wait_for_ready",
            source_id=source.id,
            deferrable=sensing(config) == "deferrable",
            poke_interval=poke_interval(config),
            timeout=sensor["timeout_seconds"],
            mode=sensor["mode"],
            soft_fail=True,
        )

        @task(task_id="ingest", outlets=[raw_asset(source.id)])
        def ingest(pending: list[str]) -> list[dict]:
            from airflow.sdk import get_current_context

            from conductor.asset_events import raw_event_extra
            from conductor.notices import BatchFailure
            from conductor.pipeline import ingest_source
            from govlake.settings import Lake

            results = ingest_source(source.id, Lake.from_env())
            failed = [r for r in results if r["status"] == "failed"]
            if failed:
                raise BatchFailure(
                    f"{source.id}: {len(failed)} batch(es) failed: "
                    + "; ".join(f"{r['batch']}: {' '.join(r['messages'])}" for r in failed),
                    batches=[r["batch"] for r in failed],
                )
            get_current_context()["outlet_events"][raw_asset(source.id)].extra = raw_event_extra(results)
            return results

        ingest(wait_for_ready.output)
    return dag
