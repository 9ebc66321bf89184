-- 专利申请及授权信息 — patent applications and grants, incremental, monthly (key application_no).

with source as (

    {{ staged_source('scjg.patent') }}

),

renamed as (

    select
        -- ids
        {{ patent_no('application_no') }} as application_no,
        application_no_delivered,
        {{ patent_no_flag('application_no') }} as application_no_flag,
        {{ party_code('applicant_code') }} as applicant_code,
        applicant_code_delivered,
        {{ party_code_flag('applicant_code') }} as applicant_code_flag,

        -- strings
        title,
        applicant_name,

        -- codes
        patent_type,
        legal_status,

        -- dates
        {{ to_date('applied_on') }} as applied_on,
        {{ date_flag('applied_on', declared=declared_layout('scjg.patent', 'applied_on')) }} as applied_on_flag,
        {{ to_date('granted_on') }} as granted_on,
        {{ date_flag('granted_on', declared=declared_layout('scjg.patent', 'granted_on')) }} as granted_on_flag,

        -- lineage
        _batch,
        _file,
        _row_no,
        _ingested_at,
        _staged_at

    from source

)

select * from renamed
