{# Statistical periods 'YYYY', 'YYYYQn', 'YYYY-MM' (tjj.macro_indicator). `part` is
   type (year | quarter | month), year, quarter (quarterly periods only) or month
   (monthly periods only). Other text gives NULL; as a key column, a period off the
   registry pattern is rejected before it gets here. #}
{% macro period_part(expr, part) -%}
    {%- if part == 'type' -%}
    case
        when {{ govlake.regex_full_match(expr, '[0-9]{4}') }} then 'year'
        when {{ govlake.regex_full_match(expr, '[0-9]{4}Q[1-4]') }} then 'quarter'
        when {{ govlake.regex_full_match(expr, '[0-9]{4}-(0[1-9]|1[0-2])') }} then 'month'
    end
    {%- elif part == 'year' -%}
    case
        when {{ govlake.regex_full_match(expr, '[0-9]{4}(Q[1-4]|-(0[1-9]|1[0-2]))?') }}
            then cast(substr({{ expr }}, 1, 4) as integer)
    end
    {%- elif part == 'quarter' -%}
    case
        when {{ govlake.regex_full_match(expr, '[0-9]{4}Q[1-4]') }} then cast(substr({{ expr }}, 6, 1) as integer)
    end
    {%- elif part == 'month' -%}
    case
        when {{ govlake.regex_full_match(expr, '[0-9]{4}-(0[1-9]|1[0-2])') }} then cast(substr({{ expr }}, 6, 2) as integer)
    end
    {%- else -%}
    {{ exceptions.raise_compiler_error("period_part: unknown part " ~ part) }}
    {%- endif -%}
{%- endmacro %}
