-- 应急管理·安全生产重点监管企业 — one row per enterprise on 应急管理's latest list of
-- enterprises under key safety supervision: risk level, open hazards and last inspection
-- (days since it, on the snapshot date), the enterprise's golden registration (status,
-- address, region, industry), and flags: struck off but still listed, inspection overdue.

{{ config(materialized='table') }}

{#- Longest interval between inspections per risk level, in days (var
    emergency_inspection_max_days). Basis: the four-colour 安全风险分级管控 practice —
    重大 (red) at least quarterly, 较大 (orange) half-yearly, 一般 (yellow) yearly, 低
    (blue) by random checks, here at least every two years. Set them to the local
    执法检查计划 (dbt_project.yml vars or --vars). -#}
{%- set max_days = var('emergency_inspection_max_days') %}

-- a full snapshot: the latest batch is the list now, one row per enterprise
with listed as (

    select *, cast(_batch as date) as snapshot_date
    from {{ ref('int_emergency__hazard_enterprise_current') }}

),

-- joined on uscc: the code 市场监管 registered
enterprises as (

    select uscc, name, status, is_struck_off, address, region_code, industry_code
    from {{ ref('base_legal_entity__enterprise') }}
    where uscc is not null

),

regions as (

    select code, name from {{ ref('gbt2260_regions') }}

),

assessed as (

    select
        l.*,
        -- a level off the code list says nothing: NULL, a finding of the quality layer
        case when l.risk_level in ('{{ max_days.keys() | join("', '") }}') then l.risk_level end as risk_level_listed,
        case l.risk_level
            {%- for level, days in max_days.items() %}
            when '{{ level }}' then {{ days }}
            {%- endfor %}
        end as inspection_max_days,
        {{ dbt.datediff('l.last_inspected_on', 'l.snapshot_date', 'day') }} as days_since_inspection
    from listed as l

)

select
    -- ids
    a.uscc,

    -- enterprise (应急管理's list)
    a.name,
    a.risk_level_listed as risk_level,
    a.open_hazards,
    a.last_inspected_on,
    a.snapshot_date,
    a.days_since_inspection,
    a.inspection_max_days,

    -- registration (legal-entity library)
    e.uscc is not null as is_registered,
    e.name as registered_name,
    e.status as registration_status,
    coalesce(e.is_struck_off, false) as is_struck_off,
    e.address,
    e.industry_code,
    substr(e.industry_code, 1, 1) as industry_section,

    -- region: the registered one (市场监管), else the county 应急管理 lists it in
    coalesce(e.region_code, a.region_code) as region_code,
    r.name as region_name,
    a.region_code as listed_region_code,

    -- flags
    coalesce(e.is_struck_off, false) as flag_struck_off_listed,
    -- never inspected counts as overdue; an unknown risk level has no interval to miss
    case
        when a.inspection_max_days is null then false
        when a.last_inspected_on is null then true
        else a.days_since_inspection > a.inspection_max_days
    end as flag_inspection_overdue,
    e.uscc is null as flag_not_in_legal_entity_library,

    -- lineage
    a._batch,
    a._file,
    a._row_no

from assessed as a
left join enterprises as e on e.uscc = a.uscc
left join regions as r on r.code = coalesce(e.region_code, a.region_code)
