{# Run as an operation before a build (transform/dbt_runner.py, engine spark; not a hook,
   which every run's results would list): make every dbt source readable on engines that
   cannot point a source at files. DuckDB reads raw Parquet through each source's
   meta.external_location, so it needs nothing. Spark gets one external table per source over <lake>/raw/<source>/,
   declared with the raw schema (every registry column as text, plus the lineage columns):
   a source that has not delivered yet is an empty table, a batch missing a column reads it
   as NULL (DuckDB's union_by_name), and the batch=... directories are read as plain
   subdirectories (DuckDB's hive_partitioning = false). Dropped and declared again on every
   run: the table holds no data of its own, and Spark lists the files when it reads. #}
{% macro register_raw_sources() -%}
    {{ return(adapter.dispatch('register_raw_sources', 'govlake')()) }}
{%- endmacro %}

{% macro default__register_raw_sources() -%}
{%- endmacro %}

{% macro spark__register_raw_sources() -%}
    {%- if execute -%}
    {%- set lake = env_var('GOVLAKE_HOME', '../lake') -%}
    {%- for source_id, facts in govlake.registry_facts().items() -%}
        {%- set location = lake ~ '/' ~ facts.raw_glob.split('/batch=')[0] -%}
        {%- do run_query('create schema if not exists ' ~ facts.department) -%}
        {%- do run_query('drop table if exists ' ~ facts.department ~ '.' ~ facts.entity) -%}
        {%- set ddl -%}
            create table {{ facts.department }}.{{ facts.entity }} (
                {%- for c in facts.columns %}
                {{ c }} string,
                {%- endfor %}
                _batch string,
                _file string,
                _row_no bigint,
                _ingested_at timestamp
            )
            using parquet
            options (recursiveFileLookup 'true')
            location '{{ location | replace("'", "\\'") }}'
        {%- endset -%}
        {%- do run_query(ddl) -%}
    {%- endfor -%}
    {%- endif -%}
{%- endmacro %}
