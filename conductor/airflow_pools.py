"""The Airflow pool the warehouse writers queue in (orchestration.yaml `warehouse_pool`).

Created or updated, idempotently, wherever Airflow's metadata DB is prepared: after the
migration of `govlake demo` (conductor/airflow_runner.py), on the first use of `govlake airflow`,
and by the deployment's init service (docker-compose.yml):

    python -m conductor.airflow_pools
"""

from __future__ import annotations


def ensure_warehouse_pool(config: dict | None = None) -> dict:
    """The pool as orchestration.yaml declares it, in the metadata DB Airflow is configured with."""
    from airflow.models.pool import Pool

    from conductor.dag_factory import load_config

    spec = (config or load_config())["warehouse_pool"]
    Pool.create_or_update_pool(spec["name"], spec["slots"], spec["description"], include_deferred=False)
    return spec


if __name__ == "__main__":
    made = ensure_warehouse_pool()
    print(f"Airflow pool {made['name']}: {made['slots']} slot(s)")
