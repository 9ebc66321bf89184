{# Dates in every layout the interface uses, from a cleaned text expression:
     YYYYMMDD              20260930
     YYYY-MM-DD, YYYY/M/D  2026-09-30, 2026/9/30 (also 2026-9-30, 2026.9.30)
     Excel serial number   46295 -- only when excel_serial=true (XLSX date cells are
                           delivered as the serial's text); day 0 is 1899-12-30, which
                           is right for every date after 1900-02-28
   A layout that names no real day (2026-02-30, 2026/13/1) gives NULL and the flag
   impossible_date; an unrecognised layout gives NULL and bad_format. Never an error.
   A date read from a layout other than the one its column declares (the registry's format,
   declared_layout) is staged, and flagged off_layout. #}

{# The regex of the layout the registry declares for a date or date-time column
   (govlake/registry/layouts.py, through registry_facts). #}
{% macro declared_layout(source_id, column) -%}
    {{- return(govlake.registry_facts()[source_id].layouts[column]) -}}
{%- endmacro %}

{% macro _date_layouts(excel_serial) -%}
    {{- return({
        'compact': '[0-9]{8}',
        'separated': '[0-9]{4}[-/.][0-9]{1,2}[-/.][0-9]{1,2}',
        'excel': '[0-9]{1,5}([.][0-9]*)?' if excel_serial else none,
    }) -}}
{%- endmacro %}

{% macro to_date(expr, excel_serial=false) -%}
    {%- set layouts = govlake._date_layouts(excel_serial) -%}
    case
        when {{ govlake.regex_full_match(expr, layouts.compact) }}
            then {{ govlake.try_cast("substr(" ~ expr ~ ", 1, 4) || '-' || substr(" ~ expr ~ ", 5, 2) || '-' || substr(" ~ expr ~ ", 7, 2)", 'date') }}
        when {{ govlake.regex_full_match(expr, layouts.separated) }}
            then {{ govlake.try_cast(
                "regexp_extract(" ~ expr ~ ", '^([0-9]{4})', 1) || '-' || "
                ~ "lpad(regexp_extract(" ~ expr ~ ", '^[0-9]{4}[-/.]([0-9]{1,2})', 1), 2, '0') || '-' || "
                ~ "lpad(regexp_extract(" ~ expr ~ ", '([0-9]{1,2})$', 1), 2, '0')", 'date') }}
        {%- if excel_serial %}
        when {{ govlake.regex_full_match(expr, layouts.excel) }}
            then {{ govlake.add_days("cast('1899-12-30' as date)", dbt.split_part(expr, "'.'", 1)) }}
        {%- endif %}
    end
{%- endmacro %}

{# With `declared` (a layout's regex), a date in any other layout is off_layout. In an XLSX
   source (excel_serial) a serial number is a date cell, the workbook's own encoding of a date
   whatever the cell displays: it follows every layout. #}
{% macro date_flag(expr, excel_serial=false, declared=none) -%}
    {%- set layouts = govlake._date_layouts(excel_serial) -%}
    case
        when {{ expr }} is null then null
        when {{ govlake.to_date(expr, excel_serial) }} is not null then
            {%- if declared %}
            case
                when {{ govlake.regex_full_match(expr, declared) }} then null
                {%- if excel_serial %}
                when {{ govlake.regex_full_match(expr, layouts.excel) }} then null
                {%- endif %}
                else 'off_layout'
            end
            {%- else %} null
            {%- endif %}
        when {{ govlake.regex_full_match(expr, layouts.compact) }}
            or {{ govlake.regex_full_match(expr, layouts.separated) }}
            then 'impossible_date'
        else 'bad_format'
    end
{%- endmacro %}

{# Date-times: 'YYYY-MM-DD HH:MM:SS' (also a T separator, no seconds, fractions). #}
{% macro _timestamp_layout() -%}
    {{- return('[0-9]{4}-[0-9]{2}-[0-9]{2}[ T][0-9]{2}:[0-9]{2}(:[0-9]{2}([.][0-9]{1,6})?)?') -}}
{%- endmacro %}

{% macro to_timestamp(expr) -%}
    case
        when {{ govlake.regex_full_match(expr, govlake._timestamp_layout()) }}
            then {{ govlake.try_cast("replace(" ~ expr ~ ", 'T', ' ')", dbt.type_timestamp()) }}
    end
{%- endmacro %}

{# With `declared` (a layout's regex), a date-time in any other layout is off_layout. #}
{% macro timestamp_flag(expr, declared=none) -%}
    case
        when {{ expr }} is null then null
        when {{ govlake.to_timestamp(expr) }} is not null then
            {%- if declared %}
            case when {{ govlake.regex_full_match(expr, declared) }} then null else 'off_layout' end
            {%- else %} null
            {%- endif %}
        when {{ govlake.regex_full_match(expr, govlake._timestamp_layout()) }} then 'impossible_date'
        else 'bad_format'
    end
{%- endmacro %}
