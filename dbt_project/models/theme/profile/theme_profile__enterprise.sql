-- 一企一档·企业档案 — one row per golden enterprise (base_legal_entity__enterprise): identity
-- and status from 市场监管, tax status and credit rating from 税务 (一数一源), and what the
-- other departments know of it: 双公示 decisions, licences held, patents, 应急 hazard
-- supervision (newest snapshot), employees insured and paying with 人社 (newest snapshot)
-- and parcels owned.

{{ config(
    materialized='incremental',
    unique_key='enterprise_id',
    meta={'tests_on_rows_written_this_run': true},
) }}

{#- Incremental: a new snapshot of 应急, 人社 or parcels recomputes every enterprise;
    otherwise only the enterprises something changed for since the last run
    (macros/base/recompute_scope.sql: profile_entities_touched) -#}
{%- set scoped = govlake.no_new_snapshot([ref('stg_yjj__hazard_enterprise'), ref('stg_rsj__social_insurance'),
                                          ref('stg_zrzy__land_parcel')]) %}
-- depends_on: {{ ref('stg_dsj__e_licence') }}, {{ ref('stg_xyzx__double_publicity') }}, {{ ref('base_public_credit__decision') }}, {{ ref('stg_scjg__patent') }}

with
{%- if scoped %}
scope as (

    {{ govlake.profile_entities_touched('enterprise') }}

),
{%- endif %}

enterprises as (

    select * from {{ ref('base_legal_entity__enterprise') }}
    where true {{ govlake.in_scope('enterprise_id', scoped) }}

),

credit as (

    select
        subject_uscc as uscc,
        decision_count as credit_decision_count,
        permit_count as credit_permit_count,
        penalty_count as credit_penalty_count,
        total_fine_amount as credit_total_fine_amount,
        latest_decided_on as credit_latest_decided_on,
        latest_penalty_on as credit_latest_penalty_on,
        active_permit_count as credit_active_permit_count
    from {{ ref('base_public_credit__subject_summary') }}
    where subject_uscc is not null {{ govlake.in_scope('subject_uscc', scoped) }}

),

licences as (

    select
        holder_uscc as uscc,
        count(*) as licence_count,
        count(*) filter (where status = '有效') as valid_licence_count
    from {{ ref('base_e_licence__licence') }}
    where holder_uscc is not null {{ govlake.in_scope('holder_uscc', scoped) }}
    group by holder_uscc

),

-- patents: an incremental source, the latest delivery of an application wins (in scope:
-- only applications some delivery of which names an enterprise in scope, the only ones
-- whose latest delivery can)
patents as (

    select * from {{ ref('int_intellectual_property__patent_latest_delivery') }}
    {%- if scoped %}
    where application_no in (
        select application_no from {{ ref('stg_scjg__patent') }}
        where applicant_code in (select entity_id from scope))
    {%- endif %}

),

enterprise_patents as (

    select
        applicant_code as uscc,
        count(*) as patent_count,
        count(*) filter (where granted_on is not null) as granted_patent_count
    from patents
    where applicant_code is not null {{ govlake.in_scope('applicant_code', scoped) }}
    group by applicant_code

),

-- full-snapshot sources (应急, 社保): the newest batch alone says what holds now; a key
-- delivered twice in it counts once, the last row delivered standing for it
hazard as (

    select
        s.uscc,
        s.risk_level as hazard_risk_level,
        s.last_inspected_on as hazard_last_inspected_on,
        s.open_hazards as hazard_open_count
    from {{ ref('int_emergency__hazard_enterprise_current') }} as s
    where true {{ govlake.in_scope('s.uscc', scoped) }}

),

-- in scope: only the persons with a cover naming an enterprise in scope, the only ones
-- counted for it
insurance_covers as (

    select * from {{ ref('int_social_security__insurance_cover_current') }}
    {%- if scoped %}
    where id_no in (
        select id_no from {{ ref('int_social_security__insurance_cover_current') }}
        where employer_uscc in (select entity_id from scope))
    {%- endif %}

),

-- an employee: a person with at least one cover through the enterprise in 参保缴费 (status 1)
employees as (

    select
        employer_uscc as uscc,
        count(distinct id_no) as insured_employee_count
    from insurance_covers
    where status = '1' and employer_uscc is not null {{ govlake.in_scope('employer_uscc', scoped) }}
    group by employer_uscc

),

-- parcels in 自然资源's newest snapshot only: a parcel since dropped is owned by no one here
parcels as (

    select
        owner_uscc as uscc,
        count(*) as parcel_count,
        cast(sum(area_m2) as decimal(18, 2)) as parcel_area_m2
    from {{ ref('base_spatial__land_parcel') }}
    where in_latest_snapshot and owner_uscc is not null {{ govlake.in_scope('owner_uscc', scoped) }}
    group by owner_uscc

)

select
    -- identity and status (市场监管); enterprise_id is the USCC that identifies it in any
    -- source, uscc the one 市场监管 registered (NULL for a taxpayer 税务 alone knows)
    enterprises.enterprise_id,
    enterprises.uscc,
    enterprises.name,
    enterprises.legal_rep,
    enterprises.legal_rep_id_no,
    enterprises.entity_type,
    enterprises.established_on,
    enterprises.registered_capital,
    enterprises.address,
    enterprises.region_code,
    enterprises.industry_code,
    enterprises.status,
    enterprises.is_registered,
    enterprises.is_struck_off,

    -- tax (税务)
    enterprises.tax_status,
    enterprises.credit_rating,
    enterprises.credit_rating_year,

    -- 双公示 decisions (公共信用)
    coalesce(credit.credit_decision_count, 0) as credit_decision_count,
    coalesce(credit.credit_permit_count, 0) as credit_permit_count,
    coalesce(credit.credit_penalty_count, 0) as credit_penalty_count,
    coalesce(credit.credit_total_fine_amount, 0) as credit_total_fine_amount,
    credit.credit_latest_decided_on,
    credit.credit_latest_penalty_on,
    coalesce(credit.credit_active_permit_count, 0) as credit_active_permit_count,

    -- licences held (电子证照)
    coalesce(licences.licence_count, 0) as licence_count,
    coalesce(licences.valid_licence_count, 0) as valid_licence_count,

    -- patents (市场监管)
    coalesce(enterprise_patents.patent_count, 0) as patent_count,
    coalesce(enterprise_patents.granted_patent_count, 0) as granted_patent_count,

    -- hazard supervision (应急管理, newest snapshot)
    hazard.uscc is not null as is_hazard_supervised,
    hazard.hazard_risk_level,
    hazard.hazard_last_inspected_on,
    hazard.hazard_open_count,

    -- employees (人社, newest snapshot)
    coalesce(employees.insured_employee_count, 0) as insured_employee_count,

    -- parcels owned (自然资源, newest snapshot)
    coalesce(parcels.parcel_count, 0) as parcel_count,
    coalesce(parcels.parcel_area_m2, 0) as parcel_area_m2,

    {{ govlake.run_timestamp() }} as _staged_at
from enterprises
left join credit on credit.uscc = enterprises.enterprise_id
left join licences on licences.uscc = enterprises.enterprise_id
left join enterprise_patents on enterprise_patents.uscc = enterprises.enterprise_id
left join hazard on hazard.uscc = enterprises.enterprise_id
left join employees on employees.uscc = enterprises.enterprise_id
left join parcels on parcels.uscc = enterprises.enterprise_id
