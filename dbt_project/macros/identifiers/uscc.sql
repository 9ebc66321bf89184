{# 统一社会信用代码, GB 32100-2015, with the GB 11714 organisation-code check at
   positions 9-17 (as govlake.identifiers.is_valid_uscc). Inputs are cleaned text.

   uscc(x)        upper-cased
   uscc_flag(x)   NULL when valid, else lowercase (upper-cased, not an error) |
                  bad_check_digit (position 17 or 18) | bad_format (not 18 characters of
                  0-9 A-H J-N P-R T U W-Y with digits at 3-8)
   blocking_only=true keeps only bad_check_digit and bad_format. #}


{% macro uscc_check_char(expr) -%}
    {%- set alphabet = '0123456789ABCDEFGHJKLMNPQRTUWXY' -%}
    {%- set weights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28] -%}
    {%- set terms = [] -%}
    {%- for w in weights -%}
        {%- do terms.append(w ~ ' * ' ~ govlake.char_value(expr, loop.index, alphabet)) -%}
    {%- endfor -%}
    substr('{{ alphabet }}', 1 + ((31 - (({{ terms | join(' + ') }}) % 31)) % 31), 1)
{%- endmacro %}

{# GB 11714: body = characters 9-16, digits as themselves and A-Z as 10-35;
   check = 11 - S mod 11, with 10 -> X and 11 -> 0. #}
{% macro org_code_check_char(expr, start=9) -%}
    {%- set weights = [3, 7, 9, 10, 5, 8, 4, 2] -%}
    {%- set terms = [] -%}
    {%- for w in weights -%}
        {%- do terms.append(w ~ ' * ' ~ govlake.char_value(expr, start + loop.index0, '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ')) -%}
    {%- endfor -%}
    substr('123456789X0', 11 - (({{ terms | join(' + ') }}) % 11), 1)
{%- endmacro %}

{% macro uscc(expr) -%}
    upper({{ expr }})
{%- endmacro %}

{% macro uscc_flag(expr, blocking_only=false) -%}
    {%- set up = 'upper(' ~ expr ~ ')' -%}
    case
        when {{ expr }} is null then null
        when not {{ govlake.regex_full_match(up, '[0-9A-HJ-NP-RTUW-Y]{2}[0-9]{6}[0-9A-HJ-NP-RTUW-Y]{10}') }}
            then 'bad_format'
        when substr({{ up }}, 17, 1) <> {{ govlake.org_code_check_char(up) }}
            or substr({{ up }}, 18, 1) <> {{ govlake.uscc_check_char(up) }}
            then 'bad_check_digit'
        {%- if not blocking_only %}
        when {{ expr }} <> {{ up }} then 'lowercase'
        {%- endif %}
    end
{%- endmacro %}
