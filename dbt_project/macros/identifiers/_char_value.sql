{# Value of the character at 1-based `pos` of `expr` in `alphabet` (0 for its first
   character; -1 when absent). instr and substr read the same on every engine, so
   check-digit sums stay portable: weighted sums over substr, no casts that can fail. #}
{% macro char_value(expr, pos, alphabet) -%}
    (instr('{{ alphabet }}', substr({{ expr }}, {{ pos }}, 1)) - 1)
{%- endmacro %}

{# Whether the 8 characters at `pos` of `expr` (YYYYMMDD) name a real calendar day. #}
{% macro is_real_yyyymmdd(expr, pos, century='') -%}
    {%- if century -%}
        {%- set iso = "'" ~ century ~ "' || substr(" ~ expr ~ ", " ~ pos ~ ", 2) || '-' || substr(" ~ expr ~ ", " ~ (pos + 2) ~ ", 2) || '-' || substr(" ~ expr ~ ", " ~ (pos + 4) ~ ", 2)" -%}
    {%- else -%}
        {%- set iso = "substr(" ~ expr ~ ", " ~ pos ~ ", 4) || '-' || substr(" ~ expr ~ ", " ~ (pos + 4) ~ ", 2) || '-' || substr(" ~ expr ~ ", " ~ (pos + 6) ~ ", 2)" -%}
    {%- endif -%}
    ({{ govlake.try_cast(iso, 'date') }} is not null)
{%- endmacro %}
