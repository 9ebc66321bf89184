"""Airflow DAG file: the dbt build of govlake, scheduled on the raw-layer Assets.

Thin on purpose: the DAG is built by conductor.dag_factory.
"""

from conductor.dag_factory import TRANSFORM_DAG_ID, build_transform_dag

globals()[TRANSFORM_DAG_ID] = build_transform_dag()
