-- 纳税人登记及纳税信用等级信息 — taxpayers and tax credit ratings, full snapshot, monthly
-- (key uscc, rating_year). JSON numbers arrive as their text.

with source as (

    select * from {{ raw_source('swj.taxpayer') }} as raw
    where {{ is_new_batch('raw') }}

),

cleaned as (

    select {{ clean_columns('swj.taxpayer') }}
    from source

),

accepted as (

    select * from cleaned
    where {{ rejection_reason('swj.taxpayer') }} is null

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
        tax_status,
        credit_rating,

        -- numerics
        {{ to_integer('rating_year') }} as rating_year,
        {{ number_flag('rating_year', 'integer') }} as rating_year_flag,

        -- lineage
        _batch,
        _file,
        _row_no,
        _ingested_at

    from accepted

)

select * from renamed
