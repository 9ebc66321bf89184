-- 社会保险参保信息 — social insurance enrolment, full snapshot, monthly (key id_no, insurance_type).

with source as (

    {{ staged_source('rsj.social_insurance') }}

),

renamed as (

    select
        -- ids
        {{ id_card('id_no') }} as id_no,
        id_no_delivered,
        {{ id_card_flag('id_no') }} as id_no_flag,
        {{ uscc('employer_uscc') }} as employer_uscc,
        employer_uscc_delivered,
        {{ uscc_flag('employer_uscc') }} as employer_uscc_flag,

        -- strings
        name,

        -- codes
        insurance_type,
        status,

        -- numerics
        {{ to_decimal('contribution_base') }} as contribution_base,
        {{ number_flag('contribution_base', 'decimal') }} as contribution_base_flag,

        -- dates
        {{ to_date('enrolled_on') }} as enrolled_on,
        {{ date_flag('enrolled_on', declared=declared_layout('rsj.social_insurance', 'enrolled_on')) }} as enrolled_on_flag,

        -- lineage
        _batch,
        _file,
        _row_no,
        _ingested_at,
        _staged_at

    from source

)

select * from renamed
