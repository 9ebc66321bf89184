{# An ordering key made of several columns (a struct compares field by field), so "the
   latest wins" across batches is one arg_max()/max_by() on any engine. #}
{% macro order_key(parts) -%}
    {{ return(adapter.dispatch('order_key', 'govlake')(parts)) }}
{%- endmacro %}

{% macro default__order_key(parts) -%}
    struct({{ parts | join(', ') }})
{%- endmacro %}

{% macro duckdb__order_key(parts) -%}
    row({{ parts | join(', ') }})
{%- endmacro %}


{# The value of `expr` on the row with the greatest `order` among the rows where
   `present` (default: `expr`) is not NULL. #}
{% macro latest_value(expr, order, present=none) -%}
    {{ return(adapter.dispatch('latest_value', 'govlake')(expr, order, present or expr)) }}
{%- endmacro %}

{% macro default__latest_value(expr, order, present) -%}
    max_by({{ expr }}, case when {{ present }} is not null then {{ order }} end)
{%- endmacro %}

{% macro duckdb__latest_value(expr, order, present) -%}
    arg_max({{ expr }}, {{ order }}) filter (where {{ present }} is not null)
{%- endmacro %}
