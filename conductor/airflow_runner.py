"""Runs govlake's DAGs through Airflow itself, in one process (no scheduler needed).

Started by `govlake demo` in a child process whose environment comes from
conductor.airflow_env (Airflow must see its configuration before import).
Running every DAG from one process costs one Airflow start-up instead of one
per `airflow dags test` call (~20 s each, STACK-NOTES.md).

    python -m conductor.airflow_runner [--dag-prefix ingest__ ...] [--result FILE]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import warnings

# Deprecation notices Airflow's own modules raise at start-up (its test client, a moved
# helper): nothing a govlake user can act on, printed once per demo.
warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient` is deprecated")
warnings.filterwarnings("ignore", message="The `airflow.utils.operator_helpers.determine_kwargs` attribute")


def migrate() -> float:
    started = time.perf_counter()
    from airflow.utils.db import upgradedb

    from conductor.airflow_pools import ensure_warehouse_pool

    upgradedb()
    ensure_warehouse_pool()
    return time.perf_counter() - started


def load_dags(prefixes: list[str]):
    """The DAGs whose id starts with each prefix, in the order of the prefixes."""
    from airflow.dag_processing.dagbag import DagBag

    from conductor.airflow_env import DAGS_FOLDER

    bag = DagBag(dag_folder=str(DAGS_FOLDER))
    if bag.import_errors:
        raise SystemExit(f"DAG import errors: {json.dumps(bag.import_errors, indent=2)}")
    return [bag.dags[d] for prefix in prefixes for d in sorted(bag.dag_ids) if d.startswith(prefix)]


def run_dags(dags, run_conf: dict) -> list[dict]:
    outcomes = []
    for dag in dags:
        started = time.perf_counter()
        dagrun = dag.test(run_conf=run_conf)
        states = {ti.task_id: str(ti.state) for ti in dagrun.get_task_instances()}
        outcomes.append(
            {
                "dag_id": dag.dag_id,
                "state": str(dagrun.state),
                "tasks": states,
                "seconds": round(time.perf_counter() - started, 2),
            }
        )
        print(f"airflow: {dag.dag_id} {dagrun.state} in {outcomes[-1]['seconds']:.1f} s", file=sys.stderr, flush=True)
    return outcomes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--dag-prefix",
        action="append",
        help="Run the DAGs whose id starts with this (repeatable; default: ingest__, transform__, catalog__).",
    )
    parser.add_argument("--result", help="Write the outcome of every DAG run to this JSON file.")
    args = parser.parse_args(argv)
    migrate_s = migrate()
    dags = load_dags(args.dag_prefix or ["ingest__", "transform__", "catalog__"])
    outcomes = run_dags(dags, run_conf={"only_new": False})
    result = {"migrate_seconds": round(migrate_s, 2), "runs": outcomes}
    if args.result:
        with open(args.result, "w", encoding="utf-8") as f:
            json.dump(result, f, ensure_ascii=False, indent=2)
    return 0 if all(o["state"] == "success" for o in outcomes) else 1


if __name__ == "__main__":
    from conductor.process_exit import exit_process

    exit_process(main())
