-- 安全生产重点监管企业信息 — enterprises under key work-safety supervision, full snapshot,
-- monthly (key uscc). XLSX: dates may arrive as Excel serial numbers.

with source as (

    {{ staged_source('yjj.hazard_enterprise') }}

),

renamed as (

    select
        -- ids
        {{ uscc('uscc') }} as uscc,
        uscc_delivered,
        {{ uscc_flag('uscc') }} as uscc_flag,

        -- strings
        name,

        -- codes
        risk_level,
        {{ region_code('region_code') }} as region_code,
        region_code_delivered,
        {{ region_flag('region_code') }} as region_code_flag,

        -- numerics
        {{ to_integer('open_hazards') }} as open_hazards,
        {{ number_flag('open_hazards', 'integer') }} as open_hazards_flag,

        -- dates
        {{ to_date('last_inspected_on', excel_serial=true) }} as last_inspected_on,
        {{ date_flag('last_inspected_on', excel_serial=true, declared=declared_layout('yjj.hazard_enterprise', 'last_inspected_on')) }} as last_inspected_on_flag,

        -- lineage
        _batch,
        _file,
        _row_no,
        _ingested_at,
        _staged_at

    from source

)

select * from renamed
