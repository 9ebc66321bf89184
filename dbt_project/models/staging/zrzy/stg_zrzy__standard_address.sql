-- 标准地址信息 — standard addresses, full snapshot, monthly (key address_code).

with source as (

    select * from {{ raw_source('zrzy.standard_address') }} as raw
    where {{ is_new_batch('raw') }}

),

cleaned as (

    select {{ clean_columns('zrzy.standard_address') }}
    from source

),

accepted as (

    select * from cleaned
    where {{ rejection_reason('zrzy.standard_address') }} is null

),

renamed as (

    select
        -- ids
        address_code,

        -- strings
        address,

        -- codes
        {{ region_code('region_code') }} as region_code,
        region_code_delivered,
        {{ region_flag('region_code') }} as region_code_flag,

        -- numerics
        {{ to_decimal('lon') }} as lon,
        {{ number_flag('lon', 'decimal') }} as lon_flag,
        {{ to_decimal('lat') }} as lat,
        {{ number_flag('lat', 'decimal') }} as lat_flag,

        -- lineage
        _batch,
        _file,
        _row_no,
        _ingested_at

    from accepted

)

select * from renamed
