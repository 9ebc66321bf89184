{# The previous non-NULL value of `expr` in the named window: DuckDB takes IGNORE NULLS
   inside the call, Spark after it. #}
{% macro lag_ignore_nulls(expr, window) -%}
    {{ return(adapter.dispatch('lag_ignore_nulls', 'govlake')(expr, window)) }}
{%- endmacro %}

{% macro default__lag_ignore_nulls(expr, window) -%}
    lag({{ expr }} ignore nulls) over {{ window }}
{%- endmacro %}

{% macro spark__lag_ignore_nulls(expr, window) -%}
    lag({{ expr }}) ignore nulls over {{ window }}
{%- endmacro %}
