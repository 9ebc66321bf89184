{# The raw rows of a source (registry id, e.g. 'gaj.household_register'): its dbt
   source, whose meta.external_location reads the raw Parquet glob.
   A source that has not delivered yet has no files, and DuckDB fails on a glob that
   matches nothing; then this returns an empty relation with the raw columns (all
   text, plus lineage), so a department's first delivery is not a build failure. #}
{% macro raw_source(source_id) -%}
    {%- set facts = govlake.registry_facts()[source_id] -%}
    {%- set relation = source(facts.department, facts.entity) -%}
    {{- return(adapter.dispatch('raw_source', 'govlake')(facts, relation)) -}}
{%- endmacro %}

{% macro default__raw_source(facts, relation) -%}
    {{ relation }}
{%- endmacro %}

{% macro duckdb__raw_source(facts, relation) -%}
    {%- if execute and not govlake.raw_files_exist(facts.raw_glob) -%}
    (select
        {%- for c in facts.columns %}
        cast(null as varchar) as {{ c }},
        {%- endfor %}
        cast(null as varchar) as _batch,
        cast(null as varchar) as _file,
        cast(null as bigint) as _row_no,
        cast(null as timestamp with time zone) as _ingested_at
     where 1 = 0)
    {%- else -%}
    {{ relation }}
    {%- endif -%}
{%- endmacro %}

{# Same home as _sources.yml's external_location: $GOVLAKE_HOME, else ../lake. #}
{% macro raw_files_exist(raw_glob) -%}
    {%- set path = env_var('GOVLAKE_HOME', '../lake') ~ '/' ~ raw_glob -%}
    {%- set result = run_query("select count(*) from glob('" ~ (path | replace("'", "''")) ~ "')") -%}
    {{- return(result.columns[0].values()[0] > 0) -}}
{%- endmacro %}
