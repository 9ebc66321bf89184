-- 知识产权·企业专利统计 — one row per enterprise of the legal-entity library that applied
-- for a patent: applications by type, granted, decided, grant rate (granted / decided),
-- in force (有效), pending, first and last application.

{{ config(materialized='table') }}

{#- the counts of every patent statistic (vars.patent_counts) -#}
{%- set counts = var('patent_counts') %}

with patents as (

    select *
    from {{ ref('theme_intellectual_property__patent') }}
    where applicant_uscc is not null

),

per_enterprise as (

    select
        applicant_uscc as uscc,
        count(*) as patents,
        {%- for name, condition in counts.items() %}
        count(case when {{ condition }} then 1 end) as {{ name }},
        {%- endfor %}
        min(applied_on) as first_applied_on,
        max(applied_on) as last_applied_on,
        max(_batch) as _batch
    from patents
    group by applicant_uscc

),

enterprises as (

    select uscc, name, status, is_struck_off, region_code, industry_code
    from {{ ref('base_legal_entity__enterprise') }}
    where uscc is not null

)

select
    -- ids
    c.uscc,

    -- enterprise (legal-entity library)
    e.name,
    e.status,
    e.is_struck_off,
    e.region_code,
    e.industry_code,

    -- patents
    c.patents,
    {%- for name in counts %}
    c.{{ name }},
    {%- endfor %}
    case when c.decided > 0 then cast(c.granted as double) / c.decided end as grant_rate,
    c.first_applied_on,
    c.last_applied_on,

    -- lineage
    c._batch

from per_enterprise as c
left join enterprises as e on e.uscc = c.uscc
