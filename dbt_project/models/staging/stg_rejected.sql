-- 暂存层拒收记录 — raw rows kept out of staging by a blocking rule (key blank,
-- unparseable, or an identifier key with a wrong check character), one row each,
-- with the reason. Reads raw through the same macros as the staging models, so a
-- raw row is in exactly one of them.
-- Incremental like the staging models: delete+insert on (source_id, _batch), reading
-- only the raw files not read before. Which (source, batch, _ingested_at) were read is
-- kept in a ledger beside the table, since a batch without rejections leaves no row
-- here (macros/staging/rejected_ledger.sql); each batch read also yields one mark
-- (reason NULL) so that a re-delivered batch replaces its old rows; the post-hook moves
-- the marks into the ledger before the build commits.

{{ config(
    materialized='incremental',
    unique_key=['source_id', '_batch'],
    pre_hook="{{ govlake.rejected_ledger_reset() }}",
    post_hook="{{ govlake.rejected_ledger_update() }}",
) }}

{%- set ledger_exists = is_incremental() and govlake.rejected_ledger_exists() %}
{#- an incremental run leaves out the sources with nothing unread: checking an empty
    relation costs little, but planning the checks of all sixteen sources does -#}
{%- set unread = [] %}
{%- for source_id in registry_facts() %}
    {%- set raw_rows = govlake.unread_raw_rows(source_id, ledger_exists) %}
    {%- if raw_rows | trim %}{% do unread.append((source_id, raw_rows)) %}{% endif %}
{%- endfor %}

{% for source_id, raw_rows in unread %}
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
        from {{ raw_rows }} as raw
    ) as cleaned
) as checked
where reason is not null
{%- if govlake.builds_incrementally() %}
union all
-- the mark of each batch read (see above)
select distinct
    '{{ source_id }}' as source_id,
    _batch,
    cast(null as string) as _file,
    cast(null as bigint) as _row_no,
    cast(null as string) as record_key,
    cast(null as string) as reason,
    _ingested_at
from {{ raw_rows }} as raw
{%- endif %}
{% if not loop.last %}
union all
{% endif %}
{%- else %}
select
    cast(null as string) as source_id,
    cast(null as string) as _batch,
    cast(null as string) as _file,
    cast(null as bigint) as _row_no,
    cast(null as string) as record_key,
    cast(null as string) as reason,
    cast(null as {{ govlake.type_timestamp_tz() }}) as _ingested_at
where false
{%- endfor %}
