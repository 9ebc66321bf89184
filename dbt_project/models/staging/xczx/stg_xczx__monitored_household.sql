-- 防止返贫监测对象信息 — households monitored against relapse into poverty, full snapshot,
-- monthly (key head_id_no, year).

with source as (

    {{ staged_source('xczx.monitored_household') }}

),

renamed as (

    select
        -- ids
        {{ id_card('head_id_no') }} as head_id_no,
        head_id_no_delivered,
        {{ id_card_flag('head_id_no') }} as head_id_no_flag,

        -- strings
        head_name,

        -- codes
        monitor_type,
        risk_cleared,
        {{ region_code('region_code') }} as region_code,
        region_code_delivered,
        {{ region_flag('region_code') }} as region_code_flag,

        -- numerics
        {{ to_integer('household_size') }} as household_size,
        {{ number_flag('household_size', 'integer') }} as household_size_flag,
        {{ to_decimal('income_per_capita') }} as income_per_capita,
        {{ number_flag('income_per_capita', 'decimal') }} as income_per_capita_flag,
        {{ to_integer('year') }} as year,
        {{ number_flag('year', 'integer') }} as year_flag,

        -- lineage
        _batch,
        _file,
        _row_no,
        _ingested_at,
        _staged_at

    from source

)

select * from renamed
