"""The conductor: the only package that imports the stages.

The `govlake` CLI (cli), the in-process pipeline that calls the stages in order
(pipeline), the Airflow DAG factory and helpers (dag_factory, airflow_env,
airflow_runner), the demo (demo) and the console tables (reporting). dags/ import only
this package.
"""
