-- 暂存层拒收记录 — raw rows kept out of staging by a blocking rule (key blank,
-- unparseable, or an identifier key with a wrong check character), one row each,
-- with the reason. Reads raw through the same macros as the staging models, so a
-- raw row is in exactly one of them.
-- A view: it recomputes from raw when read, so it is current without an incremental
-- bookkeeping of which batches had no rejections.

{{ config(materialized='view') }}

{% for source_id in registry_facts() %}
select
    '{{ source_id }}' as source_id,
    _batch,
    _file,
    _row_no,
    record_key,
    reason,
    _ingested_at
from (
    select
        _batch,
        _file,
        _row_no,
        _ingested_at,
        {{ record_key(source_id) }} as record_key,
        {{ rejection_reason(source_id) }} as reason
    from (
        select {{ clean_columns(source_id) }}
        from {{ raw_source(source_id) }} as raw
    ) as cleaned
) as checked
where reason is not null
{% if not loop.last %}
union all
{% endif %}
{%- endfor %}
