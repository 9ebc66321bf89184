-- 城乡最低生活保障对象信息 — subsistence allowance recipients, full snapshot, monthly
-- (key id_no, start_date). XLSX: dates may arrive as Excel serial numbers.

with source as (

    {{ staged_source('mzj.subsistence_allowance') }}

),

renamed as (

    select
        -- ids
        {{ id_card('id_no') }} as id_no,
        id_no_delivered,
        {{ id_card_flag('id_no') }} as id_no_flag,

        -- strings
        name,

        -- codes
        status,
        {{ region_code('region_code') }} as region_code,
        region_code_delivered,
        {{ region_flag('region_code') }} as region_code_flag,

        -- numerics
        {{ to_integer('household_size') }} as household_size,
        {{ number_flag('household_size', 'integer') }} as household_size_flag,
        {{ to_decimal('monthly_amount') }} as monthly_amount,
        {{ number_flag('monthly_amount', 'decimal') }} as monthly_amount_flag,

        -- dates
        {{ to_date('start_date', excel_serial=true) }} as start_date,
        {{ date_flag('start_date', excel_serial=true, declared=declared_layout('mzj.subsistence_allowance', 'start_date')) }} as start_date_flag,

        -- lineage
        _batch,
        _file,
        _row_no,
        _ingested_at,
        _staged_at

    from source

)

select * from renamed
