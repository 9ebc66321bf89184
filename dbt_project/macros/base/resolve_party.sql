{# A party's code (an ID number or a USCC, as staging normalised it) resolved to the
   golden records: `<role>_person_id` when a golden person holds it, `<role>_uscc` when a
   golden enterprise does. Codes that resolve to neither are kept; the models read them
   back on every run, so a party that reaches a library later is resolved then.

   resolve_party(relation, role)  the body of a CTE: every column of `relation` plus the
                                  two resolved ids, from `<role>_code`
   party_resolution(role)         `<role>_resolved` and `<role>_flag`: why a code is
                                  unresolved (unknown_person: a valid ID number no golden
                                  person holds; unknown_enterprise: likewise a USCC;
                                  invalid_code: neither) #}
{% macro resolve_party(relation, role) -%}
    select
        {{ relation }}.*,
        person.person_id as {{ role }}_person_id,
        enterprise.enterprise_id as {{ role }}_uscc
    from {{ relation }}
    left join {{ ref('base_population__person') }} as person
        on person.person_id = {{ relation }}.{{ role }}_code
    left join {{ ref('base_legal_entity__enterprise') }} as enterprise
        on enterprise.enterprise_id = {{ relation }}.{{ role }}_code
{%- endmacro %}

{% macro party_resolution(role) -%}
    {%- set resolved = role ~ '_person_id is not null or ' ~ role ~ '_uscc is not null' -%}
    {{ resolved }} as {{ role }}_resolved,
    case
        when {{ resolved }} or {{ role }}_code is null then null
        when {{ govlake.id_card_flag(role ~ '_code', blocking_only=true) }} is null then 'unknown_person'
        when {{ govlake.uscc_flag(role ~ '_code', blocking_only=true) }} is null then 'unknown_enterprise'
        else 'invalid_code'
    end as {{ role }}_flag
{%- endmacro %}
