-- 社会保障·最低生活保障对象 — one row per entry of 民政's latest 低保 roll (person and start
-- date; a person may have an ended entry and a current one): status and monthly amount,
-- the administering county, and the person's golden record and household.

{{ config(materialized='table') }}

-- a full snapshot: the latest batch is the roll now, one row per person and start date
with roll as (

    select * from {{ ref('int_social_security__allowance_roll_current') }}

),

persons as (

    select person_id, name, gender, birth_date, household_no, region_code, death_date,
           is_registered, is_deceased
    from {{ ref('base_population__person') }}

),

households as (

    select household_no, member_count, living_member_count
    from {{ ref('base_population__household') }}

),

regions as (

    select code, name from {{ ref('gbt2260_regions') }}

)

select
    -- ids
    a.id_no as person_id,
    a.start_date,

    -- person (golden record)
    p.name,
    a.name as roll_name,
    p.gender,
    p.birth_date,
    p.household_no,
    h.member_count as household_member_count,
    h.living_member_count as household_living_member_count,
    coalesce(p.is_registered, false) as in_population,
    coalesce(p.is_deceased, false) as is_deceased,
    p.death_date,

    -- region: the county administering the allowance; the person's registered county
    -- when the roll leaves it blank
    coalesce(a.region_code, p.region_code) as region_code,
    r.name as region_name,
    p.region_code as registered_region_code,

    -- allowance
    -- a status off the code list says nothing: NULL, a finding of the quality layer
    case when a.status in ('在保', '停保') then a.status end as status,
    a.status = '在保' as is_active,
    a.household_size,
    a.monthly_amount,
    {{ dbt.datediff('a.start_date', 'cast(a._batch as date)', 'month') }} as months_since_start,
    coalesce(a.status = '在保' and p.death_date < cast(a._batch as date), false) as is_paid_after_death,

    -- lineage
    a._batch,
    a._file,
    a._row_no

from roll as a
left join persons as p on p.person_id = a.id_no
left join households as h on h.household_no = p.household_no
left join regions as r on r.code = coalesce(a.region_code, p.region_code)
