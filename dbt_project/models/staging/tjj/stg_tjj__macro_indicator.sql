-- 主要经济指标 — main economic indicators, incremental, monthly (key indicator_code, region_code,
-- period). A later batch may revise a figure: every revision stays, one per batch.

with source as (

    select * from {{ raw_source('tjj.macro_indicator') }} as raw
    where {{ is_new_batch('raw') }}

),

cleaned as (

    select {{ clean_columns('tjj.macro_indicator') }}
    from source

),

accepted as (

    select * from cleaned
    where {{ rejection_reason('tjj.macro_indicator') }} is null

),

renamed as (

    select
        -- ids
        indicator_code,
        period,
        {{ period_part('period', 'type') }} as period_type,
        {{ period_part('period', 'year') }} as period_year,
        {{ period_part('period', 'quarter') }} as period_quarter,
        {{ period_part('period', 'month') }} as period_month,

        -- strings
        indicator_name,
        unit,

        -- codes
        {{ region_code('region_code') }} as region_code,
        region_code_delivered,
        {{ region_flag('region_code') }} as region_code_flag,

        -- numerics
        {{ to_decimal('value') }} as value,
        {{ number_flag('value', 'decimal') }} as value_flag,

        -- lineage
        _batch,
        _file,
        _row_no,
        _ingested_at

    from accepted

)

select * from renamed
