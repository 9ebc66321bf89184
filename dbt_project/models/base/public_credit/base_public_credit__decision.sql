-- 公共信用基础库·双公示决定 — one row per 行政许可 or 行政处罚 decision (decision_no) the
-- credit centre publishes (双公示): the latest delivery of a decision wins whole, as a later
-- delivery is the centre's correction of the earlier one. The subject's code finds a golden
-- person (an ID number) or a golden enterprise (a USCC); one that finds neither is kept,
-- unresolved, and tried again on every run.

{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='decision_no',
    on_schema_change='fail',
) }}

{%- set delivered = ['decision_no', 'kind', 'subject_type', 'subject_name', 'subject_code', 'subject_code_flag',
                     'decided_on', 'authority_name', 'authority_uscc', 'content', 'fine_amount', 'valid_until',
                     '_batch', '_file', '_row_no', '_ingested_at', '_staged_at'] %}

with double_publicity as (

    select
        {{ delivered | join(',\n        ') }},
        _batch as first_seen_batch
    from ({{ staged_since_last_run(ref('stg_xyzx__double_publicity')) }})

),

-- on an incremental run the stored decision competes with its new deliveries; stored
-- decisions whose subject was not known yet are read back too, so a subject that reaches
-- the population or legal-entity library later is resolved then
candidates as (

    select * from double_publicity
    {%- if is_incremental() %}
    union all
    select
        {{ delivered | join(',\n        ') }},
        first_seen_batch
    from {{ this }}
    where decision_no in (select decision_no from double_publicity)
        or not subject_resolved
    {%- endif %}

),

latest as (

    select
        {{ delivered | reject('in', ['_staged_at']) | join(',\n        ') }},
        min(first_seen_batch) over (partition by decision_no) as first_seen_batch,
        max(_staged_at) over (partition by decision_no) as _staged_at
    from candidates
    qualify row_number() over (partition by decision_no order by _batch desc, _ingested_at desc, _file desc, _row_no desc) = 1

),

resolved as (

    select
        latest.*,
        person.person_id as subject_person_id,
        enterprise.enterprise_id as subject_uscc
    from latest
    left join {{ ref('base_population__person') }} as person
        on person.person_id = latest.subject_code
    left join {{ ref('base_legal_entity__enterprise') }} as enterprise
        on enterprise.enterprise_id = latest.subject_code

)

select
    -- ids
    decision_no,
    subject_code,
    subject_code_flag,
    subject_person_id,
    subject_uscc,
    subject_person_id is not null or subject_uscc is not null as subject_resolved,
    -- why a subject is unresolved: the code is a valid ID number or USCC that no golden
    -- record holds, or it is neither
    case
        when subject_person_id is not null or subject_uscc is not null or subject_code is null then null
        when {{ govlake.id_card_flag('subject_code', blocking_only=true) }} is null then 'unknown_person'
        when {{ govlake.uscc_flag('subject_code', blocking_only=true) }} is null then 'unknown_enterprise'
        else 'invalid_code'
    end as subject_flag,
    authority_uscc,

    -- strings
    subject_name,
    authority_name,
    content,

    -- codes
    kind,
    subject_type,

    -- numerics
    fine_amount,

    -- dates
    decided_on,
    valid_until,

    -- lineage
    first_seen_batch,
    _batch,
    _file,
    _row_no,
    _ingested_at,
    _staged_at
from resolved
