{# The raw rows of a source (registry id, e.g. 'gaj.household_register'): its dbt
   source, whose meta.external_location reads the raw Parquet glob.
   A source that has not delivered yet has no files, and DuckDB fails on a glob that
   matches nothing; then this returns an empty relation with the raw columns (all
   text, plus lineage), so a department's first delivery is not a build failure.

   In an incremental run only the Parquet files of batches not yet staged are read
   (DuckDB): their (_batch, _ingested_at) is compared with the model's before the
   model's query is written, so a daily run reads one day of raw, not the whole
   history. is_new_batch still filters the rows, on every engine. #}
{% macro raw_source(source_id) -%}
    {%- set facts = govlake.registry_facts()[source_id] -%}
    {%- set relation = source(facts.department, facts.entity) -%}
    {{- return(adapter.dispatch('raw_source', 'govlake')(facts, relation)) -}}
{%- endmacro %}

{% macro default__raw_source(facts, relation) -%}
    {{ relation }}
{%- endmacro %}

{% macro duckdb__raw_source(facts, relation) -%}
    {%- if not execute -%}
    {{ relation }}
    {%- elif (relation | string).startswith('__dbt__cte__') -%}
    {#- a dbt unit test: the source is the test's rows, whatever raw holds -#}
    {{ relation }}
    {%- elif not govlake.raw_files_exist(facts.raw_glob) -%}
    {{ govlake.empty_raw_relation(facts) }}
    {%- elif is_incremental() -%}
    {%- set files = govlake.unstaged_raw_files(facts.raw_glob) -%}
    {{ govlake.raw_files_relation(facts, files) }}
    {%- else -%}
    {{ relation }}
    {%- endif -%}
{%- endmacro %}

{# The given raw Parquet files as one relation; the empty raw relation when there are none. #}
{% macro raw_files_relation(facts, files) -%}
    {%- if files -%}
    read_parquet([
        {%- for f in files %}'{{ f | replace("'", "''") }}'{{ ", " if not loop.last }}{% endfor -%}
    ], union_by_name = true, hive_partitioning = false)
    {%- else -%}
    {{ govlake.empty_raw_relation(facts) }}
    {%- endif -%}
{%- endmacro %}

{% macro empty_raw_relation(facts) -%}
    (select
        {%- for c in facts.columns %}
        cast(null as string) as {{ c }},
        {%- endfor %}
        cast(null as string) as _batch,
        cast(null as string) as _file,
        cast(null as bigint) as _row_no,
        cast(null as {{ govlake.type_timestamp_tz() }}) as _ingested_at
     where 1 = 0)
{%- endmacro %}

{% macro raw_files_exist(raw_glob) -%}
    {%- set path = env_var('GOVLAKE_HOME', '../lake') ~ '/' ~ raw_glob -%}
    {%- set result = run_query("select count(*) from glob('" ~ (path | replace("'", "''")) ~ "')") -%}
    {{- return(result.columns[0].values()[0] > 0) -}}
{%- endmacro %}

{# Raw files whose (_batch, _ingested_at) is not in the model yet. Both columns are one
   value per file, so reading them costs little beside the rows themselves. #}
{% macro unstaged_raw_files(raw_glob) -%}
    {%- set path = (env_var('GOVLAKE_HOME', '../lake') ~ '/' ~ raw_glob) | replace("'", "''") -%}
    {%- set query -%}
        with raw_files as (
            select distinct filename, _batch, _ingested_at
            from read_parquet('{{ path }}', filename = true, hive_partitioning = false)
        ),
        loaded as (
            select distinct _batch, _ingested_at from {{ this }}
        )
        select filename from raw_files
        where not exists (
            select 1 from loaded
            where loaded._batch = raw_files._batch and loaded._ingested_at = raw_files._ingested_at)
        order by filename
    {%- endset -%}
    {{- return(run_query(query).columns[0].values() | list) -}}
{%- endmacro %}
