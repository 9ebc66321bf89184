-- 婚姻登记信息 — marriage registrations, incremental, monthly (key reg_no). XLSX: a date
-- cell arrives as its Excel serial number, a text cell as YYYY/M/D; both parse.

with source as (

    {{ staged_source('mzj.marriage_register') }}

),

renamed as (

    select
        -- ids
        reg_no,
        {{ id_card('man_id_no') }} as man_id_no,
        man_id_no_delivered,
        {{ id_card_flag('man_id_no') }} as man_id_no_flag,
        {{ id_card('woman_id_no') }} as woman_id_no,
        woman_id_no_delivered,
        {{ id_card_flag('woman_id_no') }} as woman_id_no_flag,

        -- strings
        man_name,
        woman_name,
        registry_office,

        -- codes
        reg_type,

        -- dates
        {{ to_date('reg_date', excel_serial=true) }} as reg_date,
        {{ date_flag('reg_date', excel_serial=true, declared=declared_layout('mzj.marriage_register', 'reg_date')) }} as reg_date_flag,

        -- lineage
        _batch,
        _file,
        _row_no,
        _ingested_at,
        _staged_at

    from source

)

select * from renamed
