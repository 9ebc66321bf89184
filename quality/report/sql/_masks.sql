{#- Masking in the report's SQL (docs/masking.md#where-masking-is-applied): the masks
    are quality/sql/masking.sql's macros; which column gets which comes from
    quality/masking.py, passed in as value_masks (source, column, macro) and key_masks
    (source, one macro or none per key column). -#}

{#- a value of `column` of `source` (both SQL expressions), masked as that column requires -#}
{% macro masked_value(source, column, value) -%}
CASE {% for m in value_masks %}WHEN {{ source }} = '{{ m.source }}' AND {{ column }} = '{{ m.column }}' THEN {{ m.macro }}({{ value }}) {% endfor %}ELSE {{ value }} END
{%- endmacro %}

{#- a violation's record key: the key values joined by '|', each masked as its key column
    requires; the period of a missing batch (column _batch) and '' (a file) stay as they are -#}
{% macro masked_key(source, column, key) -%}
CASE WHEN {{ key }} IS NULL OR {{ key }} = '' OR {{ column }} = '_batch' THEN {{ key }}
{%- for k in key_masks %}
     WHEN {{ source }} = '{{ k.source }}' THEN array_to_string(list_transform(string_split({{ key }}, '|'),
          lambda part, i: CASE i {% for m in k.macros %}{% if m %}WHEN {{ loop.index }} THEN {{ m }}(part) {% endif %}{% endfor %}ELSE part END), '|')
{%- endfor %}
     ELSE {{ key }} END
{%- endmacro %}
