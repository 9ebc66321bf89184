-- 知识产权·年度专利统计 — one row per year in which a patent was applied for or granted:
-- the applications of that year by type, how many of them are granted, decided, in force
-- (有效) and pending, their grant rate (granted / decided), and the grants of the year.

{{ config(materialized='table') }}

{#- the counts of every patent statistic (vars.patent_counts) -#}
{%- set counts = var('patent_counts') %}

with patents as (

    select * from {{ ref('theme_intellectual_property__patent') }}

),

applications as (

    select
        application_year as year,
        count(*) as applications,
        {%- for name, condition in counts.items() %}
        count(case when {{ condition }} then 1 end) as {{ name }},
        {%- endfor %}
        max(_batch) as _batch
    from patents
    where application_year is not null
    group by application_year

),

grants as (

    select grant_year as year, count(*) as grants_in_year, max(_batch) as _batch
    from patents
    where grant_year is not null
    group by grant_year

),

years as (

    select year from applications
    union
    select year from grants

)

select
    -- ids
    y.year,

    -- applications filed in the year
    coalesce(a.applications, 0) as applications,
    {%- for name in counts %}
    coalesce(a.{{ name }}, 0) as {{ name }},
    {%- endfor %}
    case when a.decided > 0 then cast(a.granted as double) / a.decided end as grant_rate,

    -- grants made in the year
    coalesce(g.grants_in_year, 0) as grants_in_year,

    -- lineage
    greatest(coalesce(a._batch, g._batch), coalesce(g._batch, a._batch)) as _batch

from years as y
left join applications as a on a.year = y.year
left join grants as g on g.year = y.year
