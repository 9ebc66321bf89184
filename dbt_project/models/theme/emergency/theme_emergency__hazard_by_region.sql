-- 应急管理·重点监管企业区县汇总 — one row per county with listed enterprises: how many, by
-- risk level, their open hazards, and how many are overdue for inspection, never
-- inspected, struck off but listed, or unknown to the legal-entity library.

{{ config(materialized='table') }}

{%- set risk_levels = {'重大风险': 'major', '较大风险': 'large', '一般风险': 'general', '低风险': 'low'} %}

with listed as (

    select *
    from {{ ref('theme_emergency__hazard_enterprise') }}
    -- an enterprise with no county, registered or listed, belongs to none
    where region_code is not null

)

select
    -- ids
    region_code,
    max(region_name) as region_name,

    -- enterprises
    count(*) as enterprises,
    {%- for level, en in risk_levels.items() %}
    count(case when risk_level = '{{ level }}' then 1 end) as risk_{{ en }},
    {%- endfor %}
    count(case when risk_level is null then 1 end) as risk_unknown,
    cast(coalesce(sum(open_hazards), 0) as bigint) as open_hazards,

    -- flags
    count(case when flag_inspection_overdue then 1 end) as inspection_overdue,
    count(case when last_inspected_on is null then 1 end) as never_inspected,
    count(case when flag_struck_off_listed then 1 end) as struck_off_listed,
    count(case when flag_not_in_legal_entity_library then 1 end) as not_in_legal_entity_library,
    avg(days_since_inspection) as avg_days_since_inspection,

    -- lineage
    max(_batch) as _batch

from listed
group by region_code
