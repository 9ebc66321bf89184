-- 知识产权·区县专利统计 — one row per county with patent applicants: applications by
-- applicant kind and type, granted, decided, grant rate (granted / decided), in force
-- (有效) and pending. The county is the applicant's in the legal-entity or population
-- library; applications whose applicant neither library knows belong to no county.

{{ config(materialized='table') }}

{#- by applicant kind, then the counts of every patent statistic (vars.patent_counts) -#}
{%- set counts = {
    'enterprise_patents': "applicant_type = 'enterprise'",
    'person_patents': "applicant_type = 'person'",
} %}
{%- do counts.update(var('patent_counts')) %}

with patents as (

    select *
    from {{ ref('theme_intellectual_property__patent') }}
    where region_code is not null

)

select
    -- ids
    region_code,
    max(region_name) as region_name,

    -- patents
    count(*) as patents,
    {%- for name, condition in counts.items() %}
    count(case when {{ condition }} then 1 end) as {{ name }},
    {%- endfor %}
    case when count(case when is_decided then 1 end) > 0
         then cast(count(case when is_granted then 1 end) as double) / count(case when is_decided then 1 end)
    end as grant_rate,

    -- lineage
    max(_batch) as _batch

from patents
group by region_code
