{# A record's key as text: its key columns (normalised values) joined by '|', the way the
   registry names a record (e.g. '372301195503295420|120'). #}
{% macro staged_record_key(alias, columns) -%}
    concat_ws('|'
    {%- for c in columns %}, cast({{ alias }}.{{ c }} as string){% endfor %})
{%- endmacro %}
