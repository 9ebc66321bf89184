-- 社会保障·参保覆盖（人） — one row per person in 人社's latest social-insurance snapshot:
-- which of the five insurance types the person holds and in what status, the employer
-- of the employee types resolved to the legal-entity library, and the person's golden
-- record (公安 identity and region, 卫健 death).

{{ config(
    materialized='incremental',
    unique_key='person_id',
    pre_hook="{{ govlake.clear_on_new_snapshot(ref('stg_rsj__social_insurance')) }}",
    meta={'tests_on_rows_written_this_run': true},
) }}

{#- 险种类型 and 参保状态 code lists of rsj.social_insurance (registry); the employee types
    110/210/310/410 are the ones paid through an employer -#}
{%- set insurance_types = ['110', '120', '210', '310', '410'] -%}
{%- set employee_types = ['110', '210', '310', '410'] -%}
{%- set statuses = ['1', '2', '3'] -%}
{#- a new 人社 snapshot recomputes every person (the pre-hook cleared the table); otherwise
    only the persons whose golden record or employer changed since the last run -#}
{%- set scoped = govlake.no_new_snapshot([ref('stg_rsj__social_insurance')]) %}

with
{%- if scoped %}
scope as (

    select person_id from ({{ govlake.staged_since_last_run(ref('base_population__person')) }})
    union
    select person_id from {{ this }}
    where employer_uscc in (
        select uscc from ({{ govlake.staged_since_last_run(ref('base_legal_entity__enterprise')) }}))

),
{%- endif %}

-- a full snapshot: the latest batch alone says who is covered now, one row per person
-- and insurance type
snapshot as (

    select * from {{ ref('int_social_security__insurance_cover_current') }}
    {%- if scoped %}
    where id_no in (select person_id from scope)
    {%- endif %}

),

per_person as (

    select
        id_no as person_id,
        {%- for t in insurance_types %}
        bool_or(insurance_type = '{{ t }}') as has_{{ t }},
        -- a status off the code list says nothing: NULL here, a finding of the quality layer
        max(case when insurance_type = '{{ t }}' and status in ('{{ statuses | join("', '") }}') then status end)
            as status_{{ t }},
        {%- endfor %}
        bool_or(status = '1') as is_paying,
        bool_or(insurance_type not in ('{{ insurance_types | join("', '") }}')
                or status is null or status not in ('{{ statuses | join("', '") }}')) as has_off_list_code,
        -- one employer per person in practice; should the employee types name several,
        -- the pension (110) one stands for the person and employer_count tells
        coalesce(
            max(case when insurance_type = '110' then employer_uscc end),
            min(case when insurance_type in ('{{ employee_types | join("', '") }}') then employer_uscc end)
        ) as employer_uscc,
        count(distinct case when insurance_type in ('{{ employee_types | join("', '") }}') then employer_uscc end)
            as employer_count,
        max(contribution_base) as contribution_base,
        min(enrolled_on) as first_enrolled_on,
        min(name) as insured_name,
        max(_batch) as _batch
    from snapshot
    group by id_no

),

persons as (

    select person_id, name, gender, birth_date, household_no, region_code, death_date,
           is_registered, is_deceased
    from {{ ref('base_population__person') }}

),

enterprises as (

    select uscc, name, status, is_registered, is_struck_off, region_code, industry_code
    from {{ ref('base_legal_entity__enterprise') }}

),

regions as (

    select code, name from {{ ref('gbt2260_regions') }}

)

select
    -- ids
    c.person_id,

    -- person (golden record)
    p.name,
    c.insured_name,
    p.gender,
    p.birth_date,
    p.household_no,
    p.region_code,
    r.name as region_name,
    coalesce(p.is_registered, false) as in_population,
    coalesce(p.is_deceased, false) as is_deceased,
    p.death_date,

    -- coverage
    concat_ws(','
        {%- for t in insurance_types %},
        case when c.has_{{ t }} then '{{ t }}' end
        {%- endfor %}) as insurance_types,
    {% for t in insurance_types -%}
    cast(c.has_{{ t }} as integer){% if not loop.last %} + {% endif %}
    {%- endfor %} as insurance_type_count,
    {%- for t in insurance_types %}
    c.has_{{ t }},
    c.status_{{ t }},
    {%- endfor %}
    c.is_paying,
    c.has_off_list_code,
    c.contribution_base,
    c.first_enrolled_on,

    -- employer (legal-entity library)
    c.employer_uscc,
    c.employer_count,
    coalesce(e.is_registered, false) as employer_resolved,
    e.name as employer_name,
    e.status as employer_status,
    e.is_struck_off as employer_is_struck_off,
    e.region_code as employer_region_code,
    e.industry_code as employer_industry_code,

    -- lineage
    c._batch,
    {{ govlake.run_timestamp() }} as _staged_at

from per_person as c
left join persons as p on p.person_id = c.person_id
left join enterprises as e on e.uscc = c.employer_uscc
left join regions as r on r.code = p.region_code
