{# The start of this dbt invocation as a timestamp literal (UTC, no time zone): the
   same value in every model of one run, different in every run. #}
{% macro run_timestamp() -%}
    cast('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S.%f") }}' as timestamp)
{%- endmacro %}
