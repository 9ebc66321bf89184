{# Trim whitespace at both ends, including what departments' spreadsheets carry:
   tab, CR/LF, no-break space (U+00A0), ideographic space (U+3000), BOM (U+FEFF). #}
{% macro strip_blanks(expr) -%}
    {{ return(adapter.dispatch('strip_blanks', 'govlake')(expr)) }}
{%- endmacro %}

{% macro default__strip_blanks(expr) -%}
    trim({{ expr }})
{%- endmacro %}

{% macro duckdb__strip_blanks(expr) -%}
    trim({{ expr }}, ' ' || chr(9) || chr(10) || chr(11) || chr(12) || chr(13) || chr(160) || chr(12288) || chr(65279))
{%- endmacro %}

{# untested here (no Spark in this environment) #}
{% macro spark__strip_blanks(expr) -%}
    regexp_replace({{ expr }}, '^[\\s\\u00a0\\u3000\\ufeff]+|[\\s\\u00a0\\u3000\\ufeff]+$', '')
{%- endmacro %}
