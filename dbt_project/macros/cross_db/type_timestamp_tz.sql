{# An instant (raw's _ingested_at): DuckDB's timestamp with time zone, Spark's timestamp
   (which is one; its naive kind is timestamp_ntz). Text is `string` everywhere: DuckDB
   reads it as varchar, and Spark wants a length after varchar. #}
{% macro type_timestamp_tz() -%}
    {{ return(adapter.dispatch('type_timestamp_tz', 'govlake')()) }}
{%- endmacro %}

{% macro default__type_timestamp_tz() -%}
    timestamp with time zone
{%- endmacro %}

{% macro spark__type_timestamp_tz() -%}
    timestamp
{%- endmacro %}
