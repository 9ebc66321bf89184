-- 一人一档·人员档案 — one row per golden person (base_population__person): identity,
-- household, marriage and death from the population library (一数一源), and what the other
-- departments know of the person: social-insurance covers in 人社's newest snapshot, the
-- latest 低保 entry, 防返贫 monitoring as household head, licences held, 双公示 decisions,
-- patents applied for as a person and parcels owned.

{{ config(
    materialized='incremental',
    unique_key='person_id',
    meta={'tests_on_rows_written_this_run': true},
) }}

{#- Incremental: a new snapshot of 人社, 低保, 防返贫 or parcels recomputes every person;
    otherwise only the persons something changed for since the last run
    (macros/base/recompute_scope.sql: profile_entities_touched) -#}
{%- set scoped = govlake.no_new_snapshot([ref('stg_rsj__social_insurance'), ref('stg_mzj__subsistence_allowance'),
                                          ref('stg_xczx__monitored_household'), ref('stg_zrzy__land_parcel')]) %}
-- depends_on: {{ ref('stg_dsj__e_licence') }}, {{ ref('stg_xyzx__double_publicity') }}, {{ ref('base_public_credit__decision') }}, {{ ref('stg_scjg__patent') }}

with
{%- if scoped %}
scope as (

    {{ govlake.profile_entities_touched('person') }}

),
{%- endif %}

persons as (

    select * from {{ ref('base_population__person') }}
    where true {{ govlake.in_scope('person_id', scoped) }}

),

households as (

    select household_no, member_count, living_member_count, head_person_id
    from {{ ref('base_population__household') }}

),

-- full-snapshot sources (社保, 低保, 防返贫): the newest batch alone says what holds now; a key
-- delivered twice in it counts once, the last row delivered standing for it
insurance_covers as (

    select * from {{ ref('int_social_security__insurance_cover_current') }}
    where true {{ govlake.in_scope('id_no', scoped) }}

),

insurance as (

    select
        id_no as person_id,
        count(*) as insurance_cover_count,
        -- 参保状态 1 参保缴费
        count(*) filter (where status = '1') as insurance_paying_count,
        {{ dbt.listagg('insurance_type', "','", 'order by insurance_type') }} as insurance_types
    from insurance_covers
    group by id_no

),

-- a person may have an ended 低保 entry and a current one: the latest start date speaks
allowance as (

    select
        s.id_no as person_id,
        s.status as allowance_status,
        s.monthly_amount as allowance_monthly_amount,
        s.start_date as allowance_start_date,
        s.region_code as allowance_region_code
    from {{ ref('int_social_security__allowance_roll_current') }} as s
    where true {{ govlake.in_scope('s.id_no', scoped) }}
    qualify row_number() over (
        partition by s.id_no order by s.start_date desc nulls last, s._file desc, s._row_no desc) = 1

),

-- 防返贫 monitoring names the household head: the latest monitoring year speaks
monitoring as (

    select
        s.head_id_no as person_id,
        s.year as monitor_year,
        s.monitor_type,
        s.risk_cleared as monitor_risk_cleared,
        s.income_per_capita as monitor_income_per_capita
    from {{ ref('int_poverty_alleviation__monitored_household_current') }} as s
    where true {{ govlake.in_scope('s.head_id_no', scoped) }}
    qualify row_number() over (
        partition by s.head_id_no order by s.year desc nulls last, s._file desc, s._row_no desc) = 1

),

licences as (

    select
        holder_person_id as person_id,
        count(*) as licence_count,
        count(*) filter (where status = '有效') as valid_licence_count
    from {{ ref('base_e_licence__licence') }}
    where holder_person_id is not null {{ govlake.in_scope('holder_person_id', scoped) }}
    group by holder_person_id

),

licence_types as (

    select
        holder_person_id as person_id,
        {{ dbt.listagg('licence_type_name', "','", 'order by licence_type_name') }} as licence_type_names
    from (
        select distinct holder_person_id, licence_type_name
        from {{ ref('base_e_licence__licence') }}
        where holder_person_id is not null and licence_type_name is not null {{ govlake.in_scope('holder_person_id', scoped) }}
    ) as held
    group by holder_person_id

),

credit as (

    select
        subject_person_id as person_id,
        permit_count as credit_permit_count,
        penalty_count as credit_penalty_count,
        total_fine_amount as credit_total_fine_amount,
        latest_decided_on as credit_latest_decided_on
    from {{ ref('base_public_credit__subject_summary') }}
    where subject_person_id is not null {{ govlake.in_scope('subject_person_id', scoped) }}

),

-- patents: an incremental source, the latest delivery of an application wins
patents as (

    select * from {{ ref('int_intellectual_property__patent_latest_delivery') }}

),

person_patents as (

    select
        applicant_code as person_id,
        count(*) as patent_count,
        count(*) filter (where granted_on is not null) as granted_patent_count
    from patents
    where applicant_code is not null {{ govlake.in_scope('applicant_code', scoped) }}
    group by applicant_code

),

-- parcels in 自然资源's newest snapshot only: a parcel since dropped is owned by no one here
parcels as (

    select
        owner_person_id as person_id,
        count(*) as parcel_count,
        cast(sum(area_m2) as decimal(18, 2)) as parcel_area_m2
    from {{ ref('base_spatial__land_parcel') }}
    where in_latest_snapshot and owner_person_id is not null {{ govlake.in_scope('owner_person_id', scoped) }}
    group by owner_person_id

)

select
    -- identity (公安), death (卫健), marriage (民政): the golden record
    persons.person_id,
    persons.name,
    persons.gender,
    persons.birth_date,
    persons.ethnicity,
    persons.mobile,
    persons.region_code,
    persons.is_registered,

    -- household
    persons.household_no,
    persons.relation_to_head,
    persons.household_address,
    persons.relation_to_head = '02' as is_household_head,
    households.head_person_id as household_head_person_id,
    households.member_count as household_member_count,
    households.living_member_count as household_living_member_count,

    -- marriage and death
    persons.marital_status,
    persons.marital_status_date,
    persons.death_date,
    persons.is_deceased,

    -- social insurance (人社, newest snapshot)
    coalesce(insurance.insurance_cover_count, 0) as insurance_cover_count,
    coalesce(insurance.insurance_paying_count, 0) as insurance_paying_count,
    insurance.insurance_types,

    -- 低保 (民政, newest snapshot)
    allowance.allowance_status,
    allowance.allowance_monthly_amount,
    allowance.allowance_start_date,
    allowance.allowance_region_code,

    -- 防返贫 monitoring (乡村振兴, newest snapshot), as household head
    monitoring.person_id is not null as is_monitored_head,
    monitoring.monitor_year,
    monitoring.monitor_type,
    monitoring.monitor_risk_cleared,
    monitoring.monitor_income_per_capita,

    -- licences held (电子证照)
    coalesce(licences.licence_count, 0) as licence_count,
    coalesce(licences.valid_licence_count, 0) as valid_licence_count,
    licence_types.licence_type_names,

    -- 双公示 decisions (公共信用)
    coalesce(credit.credit_permit_count, 0) as credit_permit_count,
    coalesce(credit.credit_penalty_count, 0) as credit_penalty_count,
    coalesce(credit.credit_total_fine_amount, 0) as credit_total_fine_amount,
    credit.credit_latest_decided_on,

    -- patents applied for as a person (市场监管)
    coalesce(person_patents.patent_count, 0) as patent_count,
    coalesce(person_patents.granted_patent_count, 0) as granted_patent_count,

    -- parcels owned (自然资源, newest snapshot)
    coalesce(parcels.parcel_count, 0) as parcel_count,
    coalesce(parcels.parcel_area_m2, 0) as parcel_area_m2,

    {{ govlake.run_timestamp() }} as _staged_at
from persons
left join households on households.household_no = persons.household_no
left join insurance on insurance.person_id = persons.person_id
left join allowance on allowance.person_id = persons.person_id
left join monitoring on monitoring.person_id = persons.person_id
left join licences on licences.person_id = persons.person_id
left join licence_types on licence_types.person_id = persons.person_id
left join credit on credit.person_id = persons.person_id
left join person_patents on person_patents.person_id = persons.person_id
left join parcels on parcels.person_id = persons.person_id
