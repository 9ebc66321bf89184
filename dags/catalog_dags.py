"""Airflow DAG file: the resource directory of govlake, scheduled on the curated Asset.

Thin on purpose: the DAG is built by conductor.dag_factory.
"""

from conductor.dag_factory import CATALOG_DAG_ID, build_catalog_dag

globals()[CATALOG_DAG_ID] = build_catalog_dag()
