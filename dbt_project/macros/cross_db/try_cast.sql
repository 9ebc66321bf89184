{# cast that yields NULL instead of an error (2026-02-30 as a date, 'abc' as a number).
   dbt.safe_cast is a plain cast on dbt-duckdb, hence our own. #}
{% macro try_cast(expr, type) -%}
    {{ return(adapter.dispatch('try_cast', 'govlake')(expr, type)) }}
{%- endmacro %}

{% macro default__try_cast(expr, type) -%}
    cast({{ expr }} as {{ type }})
{%- endmacro %}

{% macro duckdb__try_cast(expr, type) -%}
    try_cast({{ expr }} as {{ type }})
{%- endmacro %}

{# Spark >= 3.2; untested here (no Spark in this environment) #}
{% macro spark__try_cast(expr, type) -%}
    try_cast({{ expr }} as {{ type }})
{%- endmacro %}
