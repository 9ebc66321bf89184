{# Numbers arrive as text (XLSX/JSON numbers as their text, e.g. "617.6799999999999").
   Input: a cleaned text expression. Not a number -> NULL, and <col>_flag says so. #}

{% macro to_integer(expr) -%}
    case
        when {{ govlake.regex_full_match(expr, '[+-]?[0-9]{1,9}([.]0*)?') }}
            then cast({{ dbt.split_part(expr, "'.'", 1) }} as integer)
    end
{%- endmacro %}

{# DECIMAL(18,6): 12 integer digits cover every amount, area and coordinate in the
   interface; six places keep lon/lat and the float noise of spreadsheets is rounded off. #}
{% macro to_decimal(expr) -%}
    {{ govlake.try_cast(expr, 'decimal(18,6)') }}
{%- endmacro %}

{% macro number_flag(expr, type) -%}
    case
        when {{ expr }} is not null
            and {{ govlake.to_integer(expr) if type == 'integer' else govlake.to_decimal(expr) }} is null
            then 'bad_format'
    end
{%- endmacro %}
