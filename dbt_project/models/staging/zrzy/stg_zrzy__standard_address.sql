-- 标准地址信息 — standard addresses, full snapshot, monthly (key address_code).

with source as (

    {{ staged_source('zrzy.standard_address') }}

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
        _ingested_at,
        _staged_at

    from source

)

select * from renamed
