-- 一数一源冲突·观测 — one row per delivered record (source, batch, row) whose copy of an
-- attribute disagrees with the golden value held by the authoritative source:
--   name_mismatch       a name delivered beside the identifier of a person or enterprise (every
--                       registry column with `names:`, macro name_copies(), generated) differs
--                       from the golden name of the person (公安) or enterprise (市场监管) its
--                       code finds; compared after name_key() (whitespace, full-width forms)
--   birth_date_vs_id    公安's birth date differs from the one embedded in the ID number
--   gender_vs_id        公安's gender differs from the ID number's sequence parity
--   dead_person_paid    在保 / 参保缴费 in a batch dated after the golden death date (卫健)
--   deregistered_with_valid_licence   an 有效 licence held by a 注销/吊销 enterprise
--   taxpayer_active_but_deregistered  a 正常 taxpayer the enterprise register says is 注销
-- Copies are compared with the current golden value: a copy that kept an outdated value
-- is a disagreement to route to its department like any other.
-- Incremental: see macros/base/recompute_scope.sql (new records, rewritten entities).

{{ config(
    materialized='incremental',
    incremental_strategy='append',
    pre_hook="{{ govlake.conflict_clear_recomputed() }}",
    meta={'tests_on_rows_written_this_run': true},
) }}

with
{%- if is_incremental() %}
touched_entities as (

    {{ govlake.golden_entities_rewritten() }}

),
{%- endif %}

persons as (

    select person_id, name, death_date
    from {{ ref('base_population__person') }}

),

enterprises as (

    select uscc, name, status
    from {{ ref('base_legal_entity__enterprise') }}

),

name_copies as (

    {%- for copy in govlake.name_copies() %}
    {%- set key = govlake.registry_facts()[copy.source].key | map(attribute='name') | list %}
    {%- set person = 'person' in copy.entities %}
    {%- set enterprise = 'enterprise' in copy.entities %}
    {#- a party code finds a person or an enterprise, by its form (staging normalised it) #}
    {%- set golden_name = 'coalesce(p.name, e.name)' if person and enterprise
                          else ('p.name' if person else 'e.name') %}
    select
        {{ 'coalesce(p.person_id, e.uscc)' if person and enterprise else ('p.person_id' if person else 'e.uscc') }}
            as entity_id,
        {%- if person and enterprise %}
        case when p.person_id is not null then 'person' else 'enterprise' end as entity_type,
        {%- else %}
        '{{ copy.entities[0] }}' as entity_type,
        {%- endif %}
        'name' as attribute,
        'name_mismatch' as rule,
        {%- if person and enterprise %}
        case when p.person_id is not null then '{{ govlake.name_authorities().person }}'
             else '{{ govlake.name_authorities().enterprise }}' end as authoritative_source,
        {%- else %}
        '{{ govlake.name_authorities()[copy.entities[0]] }}' as authoritative_source,
        {%- endif %}
        {{ golden_name }} as authoritative_value,
        '{{ copy.source }}' as other_source,
        '{{ copy.column }}' as other_column,
        c.{{ copy.column }} as other_value,
        {{ govlake.staged_record_key('c', key) }} as record_key,
        c._batch,
        c._file,
        c._row_no
    from {{ ref(copy.model) }} as c
    {%- if person %}
    left join persons as p on p.person_id = c.{{ copy.code }}
    {%- endif %}
    {%- if enterprise %}
    left join enterprises as e on e.uscc = c.{{ copy.code }}
    {%- endif %}
    where {{ govlake.conflict_records('c', copy.code) }}
      and c.{{ copy.column }} is not null
      and {{ golden_name }} is not null
      and {{ govlake.name_key('c.' ~ copy.column) }} <> {{ govlake.name_key(golden_name) }}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}

),

household_register as (

    select *, {{ govlake.staged_record_key('hr', ['id_no']) }} as record_key
    from {{ ref('stg_gaj__household_register') }} as hr
    where {{ govlake.conflict_records('hr', 'id_no') }}

),

id_card_facts as (

    select
        id_no as entity_id,
        'person' as entity_type,
        'birth_date' as attribute,
        'birth_date_vs_id' as rule,
        'gaj.household_register:id_no' as authoritative_source,
        cast({{ govlake.id_card_birth_date('id_no') }} as string) as authoritative_value,
        'gaj.household_register' as other_source,
        'birth_date' as other_column,
        cast(birth_date as string) as other_value,
        record_key, _batch, _file, _row_no
    from household_register
    where birth_date <> {{ govlake.id_card_birth_date('id_no') }}

    union all

    select
        id_no,
        'person',
        'gender',
        'gender_vs_id',
        'gaj.household_register:id_no',
        {{ govlake.id_card_gender('id_no') }},
        'gaj.household_register',
        'gender',
        gender,
        record_key, _batch, _file, _row_no
    from household_register
    where gender in ('1', '2') and gender <> {{ govlake.id_card_gender('id_no') }}

),

active_after_death as (

    {%- for copy in var('active_after_death') %}
    {%- set key = govlake.registry_facts()[copy.source].key | map(attribute='name') | list %}
    select
        p.person_id as entity_id,
        'person' as entity_type,
        'death_date' as attribute,
        'dead_person_paid' as rule,
        'wjw.death_record' as authoritative_source,
        cast(p.death_date as string) as authoritative_value,
        '{{ copy.source }}' as other_source,
        '{{ copy.column }}' as other_column,
        c.{{ copy.column }} as other_value,
        {{ govlake.staged_record_key('c', key) }} as record_key,
        c._batch,
        c._file,
        c._row_no
    from {{ ref(copy.model) }} as c
    inner join persons as p on p.person_id = c.{{ copy.code }}
    where {{ govlake.conflict_records('c', copy.code) }}
      and c.{{ copy.column }} = '{{ copy.active }}'
      and p.death_date < cast(c._batch as date)
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}

),

active_after_strike_off as (

    select
        e.uscc as entity_id,
        'enterprise' as entity_type,
        'status' as attribute,
        'deregistered_with_valid_licence' as rule,
        'scjg.enterprise_register' as authoritative_source,
        e.status as authoritative_value,
        'dsj.e_licence' as other_source,
        'status' as other_column,
        l.status as other_value,
        {{ govlake.staged_record_key('l', ['licence_id']) }} as record_key,
        l._batch,
        l._file,
        l._row_no
    from {{ ref('stg_dsj__e_licence') }} as l
    inner join enterprises as e on e.uscc = l.holder_code
    where {{ govlake.conflict_records('l', 'holder_code') }}
      and l.status = '有效' and e.status in ('注销', '吊销')

    union all

    select
        e.uscc,
        'enterprise',
        'status',
        'taxpayer_active_but_deregistered',
        'scjg.enterprise_register',
        e.status,
        'swj.taxpayer',
        'tax_status',
        t.tax_status,
        {{ govlake.staged_record_key('t', ['uscc', 'rating_year']) }},
        t._batch,
        t._file,
        t._row_no
    from {{ ref('stg_swj__taxpayer') }} as t
    inner join enterprises as e on e.uscc = t.uscc
    where {{ govlake.conflict_records('t', 'uscc') }}
      and t.tax_status = '正常' and e.status = '注销'

)

select *, {{ govlake.run_timestamp() }} as _staged_at
from (
    select * from name_copies
    union all
    select * from id_card_facts
    union all
    select * from active_after_death
    union all
    select * from active_after_strike_off
) as observations
