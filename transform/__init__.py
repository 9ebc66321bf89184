"""Stage: the Python side of the dbt project (dbt_project/).

Runs dbt in-process against a lake (dbt_runner), decides what a build must rebuild
(build_plan), writes the dbt sources and staging docs derived from the registry
(dbt_sources) and publishes the curated Parquet copies (curated). It reads raw Parquet and
writes the warehouse; it imports only the core (govlake).
"""
