-- 社会保障·参保覆盖（区县） — one row per county: persons in 人社's latest snapshot by the
-- county of their golden record, and, for each insurance type, the living registered
-- persons insured and paying against the registered living population (公安, less 卫健
-- deaths). Counties are the current GB/T 2260 codes plus any code the data carries.

{{ config(materialized='table') }}

{%- set insurance_types = ['110', '120', '210', '310', '410'] %}

with regions as (

    select code as region_code, name as region_name
    from {{ ref('gbt2260_regions') }}
    where level = 'county' and valid_to is null

),

population as (

    select region_code, count(*) as living_population
    from {{ ref('base_population__person') }}
    where is_registered and not is_deceased and region_code is not null
    group by region_code

),

-- persons without a golden region (not in the population library) belong to no county
coverage as (

    select
        region_code,
        {%- for t in insurance_types %}
        count(*) filter (where in_population and not is_deceased and has_{{ t }}) as insured_{{ t }},
        count(*) filter (where in_population and not is_deceased and status_{{ t }} = '1') as paying_{{ t }},
        {%- endfor %}
        count(*) filter (where in_population and not is_deceased) as living_persons_covered,
        count(*) filter (where in_population and not is_deceased and is_paying) as living_persons_paying,
        count(*) as persons_covered
    from {{ ref('theme_social_security__coverage') }}
    where region_code is not null
    group by region_code

),

spine as (

    select region_code from regions
    union
    select region_code from population
    union
    select region_code from coverage

)

select
    -- ids
    spine.region_code,
    regions.region_name,

    -- population
    coalesce(population.living_population, 0) as living_population,

    -- coverage
    coalesce(coverage.persons_covered, 0) as persons_covered,
    coalesce(coverage.living_persons_covered, 0) as living_persons_covered,
    coalesce(coverage.living_persons_paying, 0) as living_persons_paying,
    case when population.living_population > 0
         then cast(coalesce(coverage.living_persons_covered, 0) as double) / population.living_population
    end as coverage_rate,
    {%- for t in insurance_types %}
    coalesce(coverage.insured_{{ t }}, 0) as insured_{{ t }},
    coalesce(coverage.paying_{{ t }}, 0) as paying_{{ t }},
    case when population.living_population > 0
         then cast(coalesce(coverage.insured_{{ t }}, 0) as double) / population.living_population
    end as coverage_rate_{{ t }},
    {%- endfor %}

    -- lineage
    (select max(_batch) from {{ ref('theme_social_security__coverage') }}) as _batch

from spine
left join regions using (region_code)
left join population using (region_code)
left join coverage using (region_code)
