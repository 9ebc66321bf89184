-- 人口基础库·户 — one row per household number in the golden person records: head,
-- members (living), address and region, and whether it has exactly one 户主.

{{ config(materialized='table') }}

with members as (

    select *
    from {{ ref('base_population__person') }}
    where household_no is not null

),

households as (

    select
        household_no,
        count(*) as member_count,
        count(*) filter (where not is_deceased) as living_member_count,
        count(*) filter (where relation_to_head = '02') as head_count,
        min(person_id) filter (where relation_to_head = '02') as head_person_id,
        min(name) filter (where relation_to_head = '02') as head_name,
        -- the head's, else the smallest: deterministic whatever the row order
        coalesce(min(household_address) filter (where relation_to_head = '02'), min(household_address)) as household_address,
        coalesce(min(region_code) filter (where relation_to_head = '02'), min(region_code)) as region_code,
        max(id_no__batch) as last_seen_batch
    from members
    group by household_no

)

select
    *,
    head_count = 1 as has_one_head
from households
