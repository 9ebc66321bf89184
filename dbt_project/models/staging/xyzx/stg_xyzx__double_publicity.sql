-- 行政许可和行政处罚信息(双公示) — licensing and penalty decisions, incremental, daily
-- (key decision_no). subject_code is a USCC or an ID number (by subject_type).

with source as (

    {{ staged_source('xyzx.double_publicity') }}

),

renamed as (

    select
        -- ids
        decision_no,
        {{ party_code('subject_code') }} as subject_code,
        subject_code_delivered,
        {{ party_code_flag('subject_code') }} as subject_code_flag,
        {{ uscc('authority_uscc') }} as authority_uscc,
        authority_uscc_delivered,
        {{ uscc_flag('authority_uscc') }} as authority_uscc_flag,

        -- strings
        subject_name,
        authority_name,
        content,

        -- codes
        kind,
        subject_type,

        -- numerics
        {{ to_decimal('fine_amount') }} as fine_amount,
        {{ number_flag('fine_amount', 'decimal') }} as fine_amount_flag,

        -- dates
        {{ to_date('decided_on') }} as decided_on,
        {{ date_flag('decided_on', declared=declared_layout('xyzx.double_publicity', 'decided_on')) }} as decided_on_flag,
        {{ to_date('valid_until') }} as valid_until,
        {{ date_flag('valid_until', declared=declared_layout('xyzx.double_publicity', 'valid_until')) }} as valid_until_flag,

        -- lineage
        _batch,
        _file,
        _row_no,
        _ingested_at,
        _staged_at

    from source

)

select * from renamed
