-- 宏观经济基础库·指标修订 — one row per figure (indicator_code, region_code, period) and
-- batch that delivered a value for it: 统计 may revise a figure in a later batch, and every
-- revision is kept (registry rule), numbered in delivery order, with the value it replaced
-- and whether it is the figure's latest. A blank or unreadable value is no revision (a
-- completeness finding for the quality layer): it never replaces a known figure.

{{ config(
    materialized='incremental',
    unique_key=['indicator_code', 'region_code', 'period'],
) }}

{%- set delivered = ['indicator_code', 'region_code', 'period', 'value', 'indicator_name', 'unit',
                     'period_type', 'period_year', 'period_quarter', 'period_month',
                     'region_code_delivered', 'region_code_flag',
                     '_batch', '_file', '_row_no', '_ingested_at', '_staged_at'] %}

with macro_indicator as (

    select {{ delivered | join(', ') }}
    from ({{ staged_since_last_run(ref('stg_tjj__macro_indicator')) }})
    where value is not null

),

-- on an incremental run the stored revisions of the figures touched are read back and
-- renumbered with the new ones, so the numbering equals that of a full rebuild
candidates as (

    select * from macro_indicator
    {%- if is_incremental() %}
    union all
    select {{ delivered | join(', ') }}
    from {{ this }} as stored
    where exists (
        select 1
        from macro_indicator
        where macro_indicator.indicator_code = stored.indicator_code
            and macro_indicator.region_code = stored.region_code
            and macro_indicator.period = stored.period
    )
    {%- endif %}

),

-- one value per figure and batch: a figure twice in a batch, or a batch delivered again,
-- is decided by the latest record
per_batch as (

    select *
    from candidates
    qualify row_number() over (
        partition by indicator_code, region_code, period, _batch
        order by _ingested_at desc, _file desc, _row_no desc
    ) = 1

),

numbered as (

    select
        *,
        row_number() over figure as revision_no,
        lag(value) over figure as previous_value,
        lead(_batch) over figure is null as is_latest
    from per_batch
    window figure as (partition by indicator_code, region_code, period order by _batch, _ingested_at, _file, _row_no)

)

select
    -- ids
    indicator_code,
    region_code,
    period,
    _batch,
    revision_no,

    -- numerics
    value,
    previous_value,
    -- a later delivery of the same number confirms the figure; only a different one revises it
    revision_no > 1 and value <> previous_value as value_changed,
    is_latest,

    -- strings
    indicator_name,
    unit,

    -- period parts
    period_type,
    period_year,
    period_quarter,
    period_month,

    -- codes
    region_code_delivered,
    region_code_flag,

    -- lineage
    _file,
    _row_no,
    _ingested_at,
    _staged_at
from numbered
