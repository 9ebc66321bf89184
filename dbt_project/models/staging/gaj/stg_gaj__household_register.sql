-- 户籍人口信息 — registered population, full snapshot each day (key id_no).

with source as (

    {{ staged_source('gaj.household_register') }}

),

renamed as (

    select
        -- ids
        {{ id_card('id_no') }} as id_no,
        id_no_delivered,
        {{ id_card_flag('id_no') }} as id_no_flag,
        household_no,

        -- strings
        name,
        address,
        mobile,

        -- codes
        gender,
        ethnicity,
        relation_to_head,
        {{ region_code('region_code') }} as region_code,
        region_code_delivered,
        {{ region_flag('region_code') }} as region_code_flag,

        -- dates
        {{ to_date('birth_date') }} as birth_date,
        {{ date_flag('birth_date', declared=declared_layout('gaj.household_register', 'birth_date')) }} as birth_date_flag,

        -- timestamps
        {{ to_timestamp('updated_at') }} as updated_at,
        {{ timestamp_flag('updated_at', declared=declared_layout('gaj.household_register', 'updated_at')) }} as updated_at_flag,

        -- lineage
        _batch,
        _file,
        _row_no,
        _ingested_at,
        _staged_at

    from source

)

select * from renamed
