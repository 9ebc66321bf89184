{# Models land in the schema their folder names (staging, base, theme, reference),
   not "<target schema>_<name>": analysts query staging.stg_gaj__household_register. #}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
