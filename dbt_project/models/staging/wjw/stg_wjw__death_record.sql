-- 居民死亡医学证明信息 — medical death certificates, incremental, daily (key id_no).

with source as (

    {{ staged_source('wjw.death_record') }}

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
        cause_code,
        {{ region_code('region_code') }} as region_code,
        region_code_delivered,
        {{ region_flag('region_code') }} as region_code_flag,

        -- dates
        {{ to_date('death_date') }} as death_date,
        {{ date_flag('death_date', declared=declared_layout('wjw.death_record', 'death_date')) }} as death_date_flag,

        -- lineage
        _batch,
        _file,
        _row_no,
        _ingested_at,
        _staged_at

    from source

)

select * from renamed
