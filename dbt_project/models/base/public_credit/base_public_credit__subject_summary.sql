-- 公共信用基础库·信用主体汇总 — one row per subject of 双公示 decisions (its normalised
-- code): who it is (the golden person or enterprise, when resolved), its permits and
-- penalties, the fines in total, its latest decision and its permits still in force.

{{ config(materialized='table') }}

with decisions as (

    select *
    from {{ ref('base_public_credit__decision') }}
    where subject_code is not null

),

-- "in force" is judged on the date of the newest 双公示 batch, not the wall clock, so a
-- rebuild from the same deliveries says the same
as_of as (

    select cast(max(_batch) as date) as as_of_date
    from decisions

),

subjects as (

    select
        subject_code,
        max(subject_person_id) as subject_person_id,
        max(subject_uscc) as subject_uscc,
        -- as the latest decision names it
        {{ govlake.latest_value('subject_type', govlake.order_key(['decided_on', '_batch', '_file', '_row_no'])) }} as subject_type,
        {{ govlake.latest_value('subject_name', govlake.order_key(['decided_on', '_batch', '_file', '_row_no'])) }} as subject_name_delivered,
        count(*) as decision_count,
        count(*) filter (where kind = '行政许可') as permit_count,
        count(*) filter (where kind = '行政处罚') as penalty_count,
        -- fines of penalties only (the registry: a fine belongs to a 行政处罚)
        cast(coalesce(sum(fine_amount) filter (where kind = '行政处罚'), 0) as decimal(18, 6)) as total_fine_amount,
        max(decided_on) as latest_decided_on,
        max(decided_on) filter (where kind = '行政处罚') as latest_penalty_on,
        -- a permit without 有效期至 has no end date: in force
        count(*) filter (
            where kind = '行政许可'
                and (valid_until is null or valid_until >= (select as_of_date from as_of))
        ) as active_permit_count,
        max(_batch) as last_seen_batch
    from decisions
    group by subject_code

)

select
    subjects.subject_code,
    -- what the code is: a valid ID number is a person, anything else an organisation
    case
        when subjects.subject_person_id is not null then 'person'
        when subjects.subject_uscc is not null then 'enterprise'
        when {{ govlake.id_card_flag('subjects.subject_code', blocking_only=true) }} is null then 'person'
        else 'enterprise'
    end as subject_kind,
    subjects.subject_type,
    subjects.subject_person_id,
    subjects.subject_uscc,
    subjects.subject_person_id is not null or subjects.subject_uscc is not null as subject_resolved,
    -- the golden name where the subject is resolved (一数一源), else the name as delivered
    coalesce(person.name, enterprise.name, subjects.subject_name_delivered) as subject_name,
    case
        when person.name is not null then 'base_population__person'
        when enterprise.name is not null then 'base_legal_entity__enterprise'
        when subjects.subject_name_delivered is not null then 'xyzx.double_publicity'
    end as subject_name_source,
    subjects.subject_name_delivered,
    subjects.decision_count,
    subjects.permit_count,
    subjects.penalty_count,
    subjects.total_fine_amount,
    subjects.latest_decided_on,
    subjects.latest_penalty_on,
    subjects.active_permit_count,
    as_of.as_of_date,
    subjects.last_seen_batch
from subjects
cross join as_of
left join {{ ref('base_population__person') }} as person
    on person.person_id = subjects.subject_person_id
left join {{ ref('base_legal_entity__enterprise') }} as enterprise
    on enterprise.enterprise_id = subjects.subject_uscc
