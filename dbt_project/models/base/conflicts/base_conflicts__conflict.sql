-- 一数一源冲突 — one row per disagreement between a non-authoritative copy and the golden
-- value: the entity, the attribute, the authoritative source and value, the other
-- source, column and value, and the first and last batch it was seen in. The same
-- wrong value repeated in later snapshots is one conflict seen over a span of batches;
-- a corrected copy stops extending it. Routed to the department owning the other source.

{{ config(materialized='table') }}

select
    entity_type,
    entity_id,
    attribute,
    rule,
    authoritative_source,
    authoritative_value,
    other_source,
    split_part(other_source, '.', 1) as other_department,
    other_column,
    other_value,
    min(_batch) as first_seen_batch,
    max(_batch) as last_seen_batch,
    count(distinct _batch) as batches_seen,
    count(*) as observations,
    {{ govlake.row_hash(['entity_id', 'attribute', 'rule', 'authoritative_source', 'authoritative_value',
                         'other_source', 'other_column', 'other_value']) }} as conflict_id
from {{ ref('base_conflicts__observation') }}
group by all
