"""Airflow DAG file: one ingestion DAG per source of the govlake registry.

Thin on purpose: the DAGs are built by conductor.dag_factory from the registry.
"""

from conductor.dag_factory import build_ingest_dags

globals().update(build_ingest_dags())
