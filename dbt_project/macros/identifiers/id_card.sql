{# 公民身份号码, GB 11643-1999 (docs/identifiers.md#id-number). Inputs are cleaned text expressions.

   id_card(x)        normalised: lower-case x -> X; a legacy 15-digit number -> 18
                     digits ('19' inserted after the region, check character computed);
                     anything else upper-cased as it is
   id_card_flag(x)   NULL when valid, else lowercase_x | legacy_15_digit_id (normalised,
                     not errors) | bad_check_digit | bad_format (length, characters, or an
                     embedded birth date that is no real day)
   blocking_only=true keeps only bad_check_digit and bad_format: the rejection rule. #}


{# Check character of the 17-digit body; legacy=true reads a 15-digit number as
   region(1-6) + '19' + the rest(7-15), without building the 18-digit string first. #}
{% macro id_card_check_char(expr, legacy=false) -%}
    {%- set weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2] -%}
    {%- set terms = [] -%}
    {%- for w in weights -%}
        {%- set i = loop.index -%}
        {%- if legacy and i == 7 -%}
            {%- do terms.append(w ~ ' * 1') -%}
        {%- elif legacy and i == 8 -%}
            {%- do terms.append(w ~ ' * 9') -%}
        {%- else -%}
            {%- set pos = (i - 2) if (legacy and i > 8) else i -%}
            {%- do terms.append(w ~ ' * ' ~ govlake.char_value(expr, pos, '0123456789')) -%}
        {%- endif -%}
    {%- endfor -%}
    substr('10X98765432', 1 + (({{ terms | join(' + ') }}) % 11), 1)
{%- endmacro %}

{% macro id_card(expr) -%}
    case
        when {{ govlake.regex_full_match(expr, '[0-9]{15}') }} and {{ govlake.is_real_yyyymmdd(expr, 7, '19') }}
            then substr({{ expr }}, 1, 6) || '19' || substr({{ expr }}, 7, 9) || {{ govlake.id_card_check_char(expr, legacy=true) }}
        else upper({{ expr }})
    end
{%- endmacro %}

{% macro id_card_flag(expr, blocking_only=false) -%}
    case
        when {{ expr }} is null then null
        when {{ govlake.regex_full_match(expr, '[0-9]{17}[0-9Xx]') }} then
            case
                when not {{ govlake.is_real_yyyymmdd(expr, 7) }} then 'bad_format'
                when upper(substr({{ expr }}, 18, 1)) <> {{ govlake.id_card_check_char(expr) }} then 'bad_check_digit'
                {%- if not blocking_only %}
                when substr({{ expr }}, 18, 1) = 'x' then 'lowercase_x'
                {%- endif %}
            end
        when {{ govlake.regex_full_match(expr, '[0-9]{15}') }} then
            case
                when not {{ govlake.is_real_yyyymmdd(expr, 7, '19') }} then 'bad_format'
                {%- if not blocking_only %}
                else 'legacy_15_digit_id'
                {%- endif %}
            end
        else 'bad_format'
    end
{%- endmacro %}

{# What an (normalised, 18-digit) ID number itself says: the birth date in digits 7-14
   and the gender by the parity of digit 17 ('1' 男 odd, '2' 女 even). #}
{% macro id_card_birth_date(expr) -%}
    {{ govlake.try_cast("substr(" ~ expr ~ ", 7, 4) || '-' || substr(" ~ expr ~ ", 11, 2) || '-' || substr(" ~ expr ~ ", 13, 2)", 'date') }}
{%- endmacro %}

{% macro id_card_gender(expr) -%}
    case when {{ govlake.try_cast('substr(' ~ expr ~ ', 17, 1)', 'integer') }} % 2 = 1 then '1' else '2' end
{%- endmacro %}
