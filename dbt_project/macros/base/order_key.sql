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
    {{ return(govlake.latest_where(expr, order, (present or expr) ~ ' is not null')) }}
{%- endmacro %}

{# The value of `expr` on the row with the greatest `order` among the rows where
   `condition` holds. #}
{% macro latest_where(expr, order, condition) -%}
    {{ return(adapter.dispatch('latest_where', 'govlake')(expr, order, condition)) }}
{%- endmacro %}

{% macro default__latest_where(expr, order, condition) -%}
    max_by({{ expr }}, case when {{ condition }} then {{ order }} end)
{%- endmacro %}

{% macro duckdb__latest_where(expr, order, condition) -%}
    arg_max({{ expr }}, {{ order }}) filter (where {{ condition }})
{%- endmacro %}
