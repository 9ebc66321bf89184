-- 电子证照目录信息 — electronic licence catalogue, incremental, daily (key licence_id).

-- sqlfluff's duckdb dialect cannot parse DuckDB's lambda (list_reduce of the MOD 37,36 check)
-- noqa: disable=PRS
with source as (

    {{ staged_source('dsj.e_licence') }}

),

renamed as (

    select
        -- ids
        {{ licence_id('licence_id') }} as licence_id,
        licence_id_delivered,
        {{ licence_id_flag('licence_id') }} as licence_id_flag,
        {{ party_code('holder_code') }} as holder_code,
        holder_code_delivered,
        {{ party_code_flag('holder_code') }} as holder_code_flag,
        {{ uscc('issuer_uscc') }} as issuer_uscc,
        issuer_uscc_delivered,
        {{ uscc_flag('issuer_uscc') }} as issuer_uscc_flag,

        -- strings
        holder_name,
        issuer_name,

        -- codes
        licence_type,
        status,

        -- dates
        {{ to_date('issued_on') }} as issued_on,
        {{ date_flag('issued_on', declared=declared_layout('dsj.e_licence', 'issued_on')) }} as issued_on_flag,
        {{ to_date('valid_until') }} as valid_until,
        {{ date_flag('valid_until', declared=declared_layout('dsj.e_licence', 'valid_until')) }} as valid_until_flag,

        -- lineage
        _batch,
        _file,
        _row_no,
        _ingested_at,
        _staged_at

    from source

)

select * from renamed
