-- 人口基础库·户 — one row per household number in the golden person records: head,
-- members (living), address and region, and whether it has exactly one 户主.
-- Incremental: the households of persons whose golden row was rewritten since the last
-- run — the one they are in now and any they were in before (person history) — are
-- dropped (pre-hook) and recomputed from all their members.

{{ config(
    materialized='incremental',
    incremental_strategy='append',
    pre_hook="{{ govlake.household_clear_recomputed() }}",
    meta={'tests_on_rows_written_this_run': true},
) }}

-- depends_on: {{ ref('base_population__person_history') }}

with members as (

    select *
    from {{ ref('base_population__person') }}
    where household_no is not null
    {%- if is_incremental() %}
      and household_no in ({{ govlake.households_touched() }})
    {%- endif %}

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
        -- the newest 公安 batch that changed what this table shows of a member
        max(greatest(household_no__batch, relation_to_head__batch, name__batch, household_address__batch,
                     region_code__batch, death_date__batch)) as last_changed_batch
    from members
    group by household_no

)

select
    *,
    head_count = 1 as has_one_head,
    {{ govlake.run_timestamp() }} as _staged_at
from households
