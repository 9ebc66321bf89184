-- 企业登记注册信息 — enterprise registration, incremental (changes since the last batch), daily
-- (key uscc).

with source as (

    {{ staged_source('scjg.enterprise_register') }}

),

renamed as (

    select
        -- ids
        {{ uscc('uscc') }} as uscc,
        uscc_delivered,
        {{ uscc_flag('uscc') }} as uscc_flag,
        {{ id_card('legal_rep_id_no') }} as legal_rep_id_no,
        legal_rep_id_no_delivered,
        {{ id_card_flag('legal_rep_id_no') }} as legal_rep_id_no_flag,

        -- strings
        name,
        legal_rep_name,
        address,
        entity_type,

        -- codes
        status,
        industry_code,
        {{ region_code('region_code') }} as region_code,
        region_code_delivered,
        {{ region_flag('region_code') }} as region_code_flag,

        -- numerics
        {{ to_decimal('registered_capital') }} as registered_capital,
        {{ number_flag('registered_capital', 'decimal') }} as registered_capital_flag,

        -- dates
        {{ to_date('established_on') }} as established_on,
        {{ date_flag('established_on', declared=declared_layout('scjg.enterprise_register', 'established_on')) }} as established_on_flag,

        -- timestamps
        {{ to_timestamp('changed_at') }} as changed_at,
        {{ timestamp_flag('changed_at', declared=declared_layout('scjg.enterprise_register', 'changed_at')) }} as changed_at_flag,

        -- lineage
        _batch,
        _file,
        _row_no,
        _ingested_at,
        _staged_at

    from source

)

select * from renamed
