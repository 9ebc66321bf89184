"""The Airflow DAGs as OpenMetadata shows them: an Airflow pipeline service with each DAG, its tasks
and the tables it writes (catalog.om_entities.Pipeline; the catalog does not import the conductor,
so the conductor hands them over: the catalog DAG's sync task and `govlake catalog sync-openmetadata`).

    pipelines = airflow_pipelines(lake)    # tuple[Pipeline, ...], from the DAGs dag_factory builds
"""

from __future__ import annotations

import os
import sys

from catalog.om_entities import Pipeline
from govlake.registry import load_registry
from govlake.settings import Lake


def airflow_pipelines(lake: Lake | None = None) -> tuple[Pipeline, ...]:
    if "airflow" not in sys.modules and lake is not None:
        from conductor.airflow_env import airflow_environ

        for key, value in airflow_environ(lake).items():  # Airflow reads its configuration when imported;
            if key.startswith("AIRFLOW"):  # a deployment's own (docker-compose.yml) stays
                os.environ.setdefault(key, value)
    from conductor.dag_factory import (
        TRANSFORM_DAG_ID,
        build_catalog_dag,
        build_ingest_dags,
        build_transform_dag,
        ingest_dag_id,
    )

    source_of = {ingest_dag_id(s): s for s in load_registry().sources}
    dags = [*build_ingest_dags().values(), build_transform_dag(), build_catalog_dag()]
    return tuple(
        Pipeline(
            dag_id=dag.dag_id,
            description=dag.description or "",
            tasks=tuple((t.task_id, tuple(sorted(t.downstream_task_ids))) for t in dag.tasks),
            sources=(source_of[dag.dag_id],) if dag.dag_id in source_of else (),
            curated=dag.dag_id == TRANSFORM_DAG_ID,
        )
        for dag in sorted(dags, key=lambda d: d.dag_id)
    )
