-- 出生医学证明信息 — medical birth certificates, incremental by issue date, daily (key cert_no).

with source as (

    {{ staged_source('wjw.birth_certificate') }}

),

renamed as (

    select
        -- ids
        cert_no,
        {{ id_card('mother_id_no') }} as mother_id_no,
        mother_id_no_delivered,
        {{ id_card_flag('mother_id_no') }} as mother_id_no_flag,
        {{ id_card('father_id_no') }} as father_id_no,
        father_id_no_delivered,
        {{ id_card_flag('father_id_no') }} as father_id_no_flag,

        -- strings
        child_name,
        birth_place,

        -- codes
        gender,
        {{ region_code('region_code') }} as region_code,
        region_code_delivered,
        {{ region_flag('region_code') }} as region_code_flag,

        -- dates
        {{ to_date('birth_date') }} as birth_date,
        {{ date_flag('birth_date', declared=declared_layout('wjw.birth_certificate', 'birth_date')) }} as birth_date_flag,
        {{ to_date('issued_on') }} as issued_on,
        {{ date_flag('issued_on', declared=declared_layout('wjw.birth_certificate', 'issued_on')) }} as issued_on_flag,

        -- lineage
        _batch,
        _file,
        _row_no,
        _ingested_at,
        _staged_at

    from source

)

select * from renamed
