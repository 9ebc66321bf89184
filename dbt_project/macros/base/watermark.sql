{# Watermarks of incremental models: every row a model writes carries `_staged_at`, the
   start of the dbt run that wrote it; the newest one a model holds says which rows of
   its inputs are new. #}

{# Rows of a staging model staged after the newest row this incremental model has merged
   (all rows on a full refresh). _staged_at is the dbt run's start, so a batch staged in
   any later run is read exactly once, whatever the order batches were ingested in. #}
{% macro staged_since_last_run(relation) -%}
    select * from {{ relation }}
    {%- if is_incremental() %}
    where _staged_at > {{ govlake.watermark() }}
    {%- endif %}
{%- endmacro %}


{# The newest _staged_at of this incremental model, as a literal read when the model is
   compiled: a constant lets the engine skip the row groups of older runs (staging tables
   grow run by run, so their _staged_at zone maps are tight). #}
{% macro watermark() -%}
    {%- set newest = none -%}
    {%- if execute and is_incremental() -%}
        {%- set newest = run_query("select cast(max(_staged_at) as string) from " ~ this).columns[0].values()[0] -%}
    {%- endif -%}
    cast('{{ newest or "1900-01-01" }}' as timestamp)
{%- endmacro %}


{# True when `relation` holds rows written after this incremental model last ran (read
   when the model is compiled; false on a full refresh or first build). #}
{% macro has_rows_since_last_run(relation) -%}
    {%- if not (execute and is_incremental()) -%}
        {{- return(false) -}}
    {%- endif -%}
    {%- set found = run_query("select count(*) from (select 1 from " ~ relation ~ " where _staged_at > "
                              ~ govlake.watermark() ~ " limit 1)").columns[0].values()[0] -%}
    {{- return(found > 0) -}}
{%- endmacro %}


{# True when none of `relations` (full snapshots) has rows since the model last ran:
   then the model may recompute only a scope of entities. #}
{% macro no_new_snapshot(relations) -%}
    {%- if not is_incremental() -%}{{ return(false) }}{%- endif -%}
    {%- for r in relations -%}
        {%- if govlake.has_rows_since_last_run(r) -%}{{ return(false) }}{%- endif -%}
    {%- endfor -%}
    {{ return(true) }}
{%- endmacro %}
