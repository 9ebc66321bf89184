{# Blocking rules: a row whose key cannot identify it is kept out of staging and
   listed in stg_rejected. For each key column (registry_facts, from the registry):
     blank_key         absent after cleaning
     bad_check_digit   an identifier key (id_card, uscc, licence_id, patent_no) whose
                       check character does not match
     bad_format        an identifier key off its layout, a key off its registry pattern
                       (cert_no, parcel_code, period), an integer key that is no integer
     impossible_date   a date key naming no real day (bad_format: no date layout)
   Normalisable keys pass: a lower-case x and a 15-digit ID number are fixed, not rejected.
   The macros read the cleaned columns (clean_columns). Both the staging models and
   stg_rejected call them, so the two partition the raw rows by construction. #}

{% macro key_problem(key) -%}
    {%- set x = key.name -%}
    {%- if key.kind == 'id_card' -%}        {{ govlake.id_card_flag(x, blocking_only=true) }}
    {%- elif key.kind == 'uscc' -%}         {{ govlake.uscc_flag(x, blocking_only=true) }}
    {%- elif key.kind == 'party_code' -%}   {{ govlake.party_code_flag(x, blocking_only=true) }}
    {%- elif key.kind == 'licence_id' -%}   {{ govlake.licence_id_flag(x) }}
    {%- elif key.kind == 'patent_no' -%}    {{ govlake.patent_no_flag(x) }}
    {%- elif key.pattern -%}
        case when not {{ govlake.regex_full_match(x, key.pattern) }} then 'bad_format' end
    {%- elif key.kind == 'date' -%}         {{ govlake.date_flag(x, excel_serial=key.excel_serial) }}
    {%- elif key.kind == 'datetime' -%}     {{ govlake.timestamp_flag(x) }}
    {%- elif key.kind in ('integer', 'decimal') -%} {{ govlake.number_flag(x, key.kind) }}
    {%- else -%}                            cast(null as {{ dbt.type_string() }})
    {%- endif -%}
{%- endmacro %}

{# NULL when the row passes, else '<column>:<rule>' per failing key column, joined by '; '. #}
{% macro rejection_reason(source_id) -%}
    {%- set facts = govlake.registry_facts()[source_id] -%}
    nullif(concat_ws('; '
    {%- for key in facts.key -%}
        {%- do key.update({'excel_serial': facts.format == 'xlsx'}) %},
        case
            when {{ key.name }} is null then '{{ key.name }}:blank_key'
            else '{{ key.name }}:' || {{ govlake.key_problem(key) }}
        end
    {%- endfor %}
    ), '')
{%- endmacro %}

{# The key as delivered (cleaned), columns joined by '|'; absent parts are ''. #}
{% macro record_key(source_id) -%}
    {%- set facts = govlake.registry_facts()[source_id] -%}
    concat_ws('|'
    {%- for key in facts.key -%}
        , coalesce({{ key.name }}, '')
    {%- endfor -%}
    )
{%- endmacro %}
