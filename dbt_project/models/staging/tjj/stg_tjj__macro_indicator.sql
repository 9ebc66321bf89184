-- 主要经济指标 — main economic indicators, incremental, monthly (key indicator_code, region_code,
-- period). A later batch may revise a figure: every revision stays, one per batch.

with source as (

    {{ staged_source('tjj.macro_indicator') }}

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
        _ingested_at,
        _staged_at

    from source

)

select * from renamed
