{# Delivered text -> trimmed text, or NULL when absent: blank, whitespace only, or one
   of var('absent_tokens') ("NULL", "null", "-", "无"; case-insensitive). #}
{% macro clean_text(expr) -%}
    {{ return(adapter.dispatch('clean_text', 'govlake')(expr)) }}
{%- endmacro %}

{% macro _absent_tokens() -%}
    {%- set tokens = ["''"] -%}
    {%- for t in var('absent_tokens') -%}
        {%- do tokens.append("'" ~ (t | lower | replace("'", "''")) ~ "'") -%}
    {%- endfor -%}
    {{ return(tokens | join(', ')) }}
{%- endmacro %}

{% macro default__clean_text(expr) -%}
    case
        when lower({{ govlake.strip_blanks(expr) }}) in ({{ govlake._absent_tokens() }}) then null
        else {{ govlake.strip_blanks(expr) }}
    end
{%- endmacro %}

{# Same result as the default, ~4x faster: DuckDB's trim with a character set is slow,
   and almost no delivered value has blanks at its ends, so only those take that path.
   The class lists what strip_blanks trims (RE2's \s lacks the vertical tab). #}
{% macro duckdb__clean_text(expr) -%}
    case
        when regexp_matches({{ expr }}, '^[\s\x{0b}\x{a0}\x{3000}\x{feff}]|[\s\x{0b}\x{a0}\x{3000}\x{feff}]$')
            then {{ govlake.default__clean_text(expr) }}
        when lower({{ expr }}) in ({{ govlake._absent_tokens() }}) then null
        else {{ expr }}
    end
{%- endmacro %}

{# The `cleaned` CTE of a staging model: every registry column of the source cleaned
   under its own name, the text as delivered as <column>_delivered, and the lineage. #}
{% macro clean_columns(source_id) -%}
    {%- for c in govlake.registry_facts()[source_id].columns %}
        {{ govlake.clean_text(c) }} as {{ c }},
        {{ c }} as {{ c }}_delivered,
    {%- endfor %}
        _batch,
        _file,
        _row_no,
        _ingested_at,
        -- when this dbt run staged the row: base models read staging rows newer than
        -- the newest they have merged, a watermark no concurrent ingestion can skip
        {{ govlake.run_timestamp() }} as _staged_at
{%- endmacro %}
