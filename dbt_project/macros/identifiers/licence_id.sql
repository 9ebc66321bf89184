{# 电子证照标识, GB/T 36904: 1.2.156.3005.2.<type 21>.<issuer USCC 18>.<serial 7>.<version 3>.<check>
   check = ISO/IEC 7064 MOD 37,36 over type + issuer + serial + version (49 characters).
   The hybrid recurrence c' = (((c or 36) * 2) mod 37 + v) mod 36, from c = 18, is a
   fold: DuckDB runs it with list_reduce; the portable default nests one expression per
   character ("c or 36" is ((c + 35) mod 36) + 1, which names c once, so the SQL grows
   linearly). Inputs are cleaned text. #}

{% macro licence_id(expr) -%}
    upper({{ expr }})
{%- endmacro %}

{# Check character of the characters of `expr` at `positions` (1-based). #}
{% macro mod_37_36_check_char(expr, positions) -%}
    {{ return(adapter.dispatch('mod_37_36_check_char', 'govlake')(expr, positions)) }}
{%- endmacro %}

{# The check character of the recurrence's last value `c` (SQL). #}
{% macro mod_37_36_char(c) -%}
    substr('0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ', 1 + (((1 - ((({{ c }}) + 35) % 36 + 1) * 2 % 37) % 36 + 36) % 36), 1)
{%- endmacro %}

{# Portable: one nesting level per character. Correct everywhere, but DuckDB takes
   ~0.2 s to plan 49 levels, hence the fold below. #}
{% macro default__mod_37_36_check_char(expr, positions) -%}
    {%- set ns = namespace(c='18') -%}
    {%- for pos in positions -%}
        {%- set ns.c = '(((((' ~ ns.c ~ ') + 35) % 36 + 1) * 2 % 37 + '
                       ~ govlake.char_value(expr, pos, '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ') ~ ') % 36)' -%}
    {%- endfor -%}
    {{ govlake.mod_37_36_char(ns.c) }}
{%- endmacro %}

{% macro duckdb__mod_37_36_check_char(expr, positions) -%}
    {%- set values = [] -%}
    {%- for pos in positions -%}
        {%- do values.append(govlake.char_value(expr, pos, '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ')) -%}
    {%- endfor -%}
    {{ govlake.mod_37_36_fold('[' ~ values | join(', ') ~ ']') }}
{%- endmacro %}

{# Spark's parser gives up on the portable form's 49 nesting levels (FAILED_TO_PARSE_TOO_COMPLEX):
   the same fold with its higher-order aggregate. #}
{% macro spark__mod_37_36_check_char(expr, positions) -%}
    {%- set values = [] -%}
    {%- for pos in positions -%}
        {%- do values.append(govlake.char_value(expr, pos, '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ')) -%}
    {%- endfor -%}
    {{ govlake.mod_37_36_char(
        'aggregate(array(' ~ values | join(', ') ~ '), 18, (c, v) -> (((c + 35) % 36 + 1) * 2 % 37 + v) % 36)') }}
{%- endmacro %}

{# DuckDB: check character of `values`, a SQL list of character values (0-35), folded with
   list_reduce (the quality layer passes a list of any length). #}
{% macro mod_37_36_fold(values) -%}
    {{ govlake.mod_37_36_char(
        'list_reduce(' ~ values ~ ', lambda c, v: (((c + 35) % 36 + 1) * 2 % 37 + v) % 36, 18)') }}
{%- endmacro %}

{% macro licence_id_flag(expr) -%}
    {%- set up = 'upper(' ~ expr ~ ')' -%}
    {#- payload positions: type 16-36, issuer 38-55, serial 57-63, version 65-67; check at 69 -#}
    {%- set positions = range(16, 37) | list + range(38, 56) | list + range(57, 64) | list + range(65, 68) | list -%}
    case
        when {{ expr }} is null then null
        when not {{ govlake.regex_full_match(up, '1[.]2[.]156[.]3005[.]2[.][0-9A-Z]{21}[.][0-9A-Z]{18}[.][0-9]{7}[.][0-9]{3}[.][0-9A-Z]') }}
            then 'bad_format'
        when substr({{ up }}, 69, 1) <> {{ govlake.mod_37_36_check_char(up, positions) }} then 'bad_check_digit'
    end
{%- endmacro %}
