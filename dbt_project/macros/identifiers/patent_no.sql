{# 专利申请号: CN + 12 digits (year 4, type 1, sequence 7) + '.' + check; check =
   sum(d_i * w_i) mod 11 with weights 2 3 4 5 6 7 8 9 2 3 4 5, 10 written X; the type
   digit must be 1, 2 or 3. Inputs are cleaned text. #}

{% macro patent_no(expr) -%}
    upper({{ expr }})
{%- endmacro %}

{% macro patent_no_flag(expr) -%}
    {%- set up = 'upper(' ~ expr ~ ')' -%}
    {%- set weights = [2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5] -%}
    {%- set terms = [] -%}
    {%- for w in weights -%}
        {%- do terms.append(w ~ ' * ' ~ govlake.char_value(up, loop.index + 2, '0123456789')) -%}
    {%- endfor -%}
    case
        when {{ expr }} is null then null
        when not {{ govlake.regex_full_match(up, 'CN[0-9]{4}[1-3][0-9]{7}[.][0-9X]') }} then 'bad_format'
        when substr({{ up }}, 16, 1) <> substr('0123456789X', 1 + (({{ terms | join(' + ') }}) % 11), 1)
            then 'bad_check_digit'
    end
{%- endmacro %}
