-- 公共信用基础库·双公示决定 — one row per 行政许可 or 行政处罚 decision (decision_no) the
-- credit centre publishes (双公示): the latest delivery of a decision wins whole, as a later
-- delivery is the centre's correction of the earlier one. The subject's code finds a golden
-- person (an ID number) or a golden enterprise (a USCC); one that finds neither is kept,
-- unresolved, and tried again on every run.

{{ config(
    materialized='incremental',
    unique_key='decision_no',
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

    {{ resolve_party('latest', 'subject') }}

)

select
    -- ids
    decision_no,
    subject_code,
    subject_code_flag,
    subject_person_id,
    subject_uscc,
    {{ party_resolution('subject') }},
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
