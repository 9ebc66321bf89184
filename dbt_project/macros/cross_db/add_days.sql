{# date + n days, as a DATE. #}
{% macro add_days(date_expr, days_expr) -%}
    {{ return(adapter.dispatch('add_days', 'govlake')(date_expr, days_expr)) }}
{%- endmacro %}

{% macro default__add_days(date_expr, days_expr) -%}
    cast({{ dbt.dateadd('day', days_expr, date_expr) }} as date)
{%- endmacro %}

{% macro duckdb__add_days(date_expr, days_expr) -%}
    ({{ date_expr }} + cast({{ days_expr }} as integer))
{%- endmacro %}

{% macro spark__add_days(date_expr, days_expr) -%}
    date_add({{ date_expr }}, cast({{ days_expr }} as int))
{%- endmacro %}
