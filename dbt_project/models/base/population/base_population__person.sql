-- 人口基础库·人员 — one row per person known to an authoritative source: identity and
-- household attributes from 公安, death from 卫健, marital status from 民政's latest
-- registration. Each attribute is its source's latest non-blank value (a blank never
-- overwrites a known one) and carries its source, the batch that delivered the value and
-- that delivery's ordering key (macros/base/golden_record.sql).

{{ config(
    materialized='incremental',
    unique_key='person_id',
    meta={'tests_on_rows_written_this_run': true},
) }}

{#- 一数一源: the attributes each source gives — the source register's decision
    (seeds/source_register.csv); the compile fails if these lists disagree with it -#}
{%- set household_register_attributes = [
    'birth_date', 'ethnicity', 'gender', 'household_address', 'id_no', 'name',
    'household_no', 'relation_to_head', 'region_code', 'mobile'] %}
{%- set death_record_attributes = ['death_date'] %}
{%- set marriage_register_attributes = ['marital_status', 'marital_status_date', 'marital_status_reg_no'] %}
{{- govlake.assert_source_register('population', {
    'gaj.household_register': household_register_attributes,
    'wjw.death_record': death_record_attributes,
    'mzj.marriage_register': marriage_register_attributes}) }}
{#- each source's records oldest to newest -#}
{%- set household_register_order = ['_batch', '_ingested_at', '_updated_at', '_row_no'] %}
{%- set death_record_order = ['_batch', '_ingested_at', '_row_no'] %}
{%- set marriage_register_order = ['reg_date', '_batch', '_ingested_at', '_row_no'] %}

-- sqlfluff's duckdb dialect cannot parse IS DISTINCT FROM (how latest_values finds where a
-- value changes); the CTEs the unparsed part reads then look unused
-- noqa: disable=PRS,ST03
with household_register as {{ govlake.not_materialized() }} (

    select
        id_no as person_id,
        id_no,
        name,
        gender,
        birth_date,
        ethnicity,
        address as household_address,
        household_no,
        relation_to_head,
        region_code,
        mobile,
        -- order: batch, then update time (an unreadable one sorts first), then row
        _batch,
        _ingested_at,
        coalesce(updated_at, cast('1900-01-01' as timestamp)) as _updated_at,
        _row_no,
        _staged_at
    from {{ ref('stg_gaj__household_register') }}

),

death_record as {{ govlake.not_materialized() }} (

    select
        id_no as person_id,
        death_date,
        _batch,
        _ingested_at,
        _row_no,
        _staged_at
    from {{ ref('stg_wjw__death_record') }}

),

-- each registration concerns two persons; the latest by registration date decides
registrations as {{ govlake.not_materialized() }} (

    select * from {{ ref('stg_mzj__marriage_register') }}
    where reg_date is not null

),

marriage_register as {{ govlake.not_materialized() }} (

    {%- for party in ['man', 'woman'] %}
    select
        {{ party }}_id_no as person_id,
        case reg_type when '离婚' then '离婚' else '已婚' end as marital_status,
        reg_date as marital_status_date,
        reg_no as marital_status_reg_no,
        reg_date,
        _batch,
        _ingested_at,
        _row_no,
        _staged_at
    from registrations
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}

),

{%- if is_incremental() %}
-- the persons a record staged since the last run can change; only they are recomputed,
-- from all their records
golden_scope as (

    {{ govlake.golden_keys_changed('household_register', 'person_id', household_register_attributes, household_register_order) }}
    union
    {{ govlake.golden_keys_changed('death_record', 'person_id', death_record_attributes, death_record_order) }}
    union
    {{ govlake.golden_keys_changed('marriage_register', 'person_id', marriage_register_attributes, marriage_register_order) }}

),
{%- endif %}

-- per person and source: each attribute's latest non-blank value, its batch and order
household_register_latest as (

    {{ govlake.latest_values('household_register', 'person_id', household_register_attributes, household_register_order,
                             scope='golden_scope' if is_incremental()) }}

),

death_record_latest as (

    {{ govlake.latest_values('death_record', 'person_id', death_record_attributes, death_record_order,
                             scope='golden_scope' if is_incremental()) }}

),

marriage_register_latest as (

    {{ govlake.latest_values('marriage_register', 'person_id', marriage_register_attributes, marriage_register_order,
                             scope='golden_scope' if is_incremental()) }}

),

persons as (

    select person_id from household_register_latest
    union
    select person_id from death_record_latest
    union
    select person_id from marriage_register_latest

),

golden as (

    select
        persons.person_id,
        {#- each attribute from its source's _latest CTE, with its lineage #}
        {%- for cte, source_id, attributes in [('household_register', 'gaj.household_register', household_register_attributes),
                                      ('death_record', 'wjw.death_record', death_record_attributes),
                                      ('marriage_register', 'mzj.marriage_register', marriage_register_attributes)] %}
        {%- for a in attributes %}
        {{ cte }}_latest.{{ a }},
        '{{ source_id }}' as {{ a }}__source,
        {{ cte }}_latest.{{ a }}__batch,
        {{ cte }}_latest.{{ a }}__order,
        {%- endfor %}
        {%- endfor %}
        {{ govlake.run_timestamp() }} as _staged_at
    from persons
    -- ON, not USING: USING would merge a same-named attribute into the key
    left join household_register_latest on household_register_latest.person_id = persons.person_id
    left join death_record_latest on death_record_latest.person_id = persons.person_id
    left join marriage_register_latest on marriage_register_latest.person_id = persons.person_id

)

select
    *,
    -- registered: 公安 holds a household record for the person (others may only be
    -- known from a death record or a marriage registration)
    id_no is not null as is_registered,
    death_date is not null as is_deceased
from golden
