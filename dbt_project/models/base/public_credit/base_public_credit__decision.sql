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

with

-- the latest delivery of a decision wins; stored decisions whose subject was not known
-- yet are read back on every run, so a subject that reaches the population or
-- legal-entity library later is resolved then
{{ latest_delivery(ref('stg_xyzx__double_publicity'), 'decision_no', delivered,
    reread="not subject_resolved") }},

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
