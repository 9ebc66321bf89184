-- 纳税人登记及纳税信用等级信息 — taxpayers and tax credit ratings, full snapshot, monthly
-- (key uscc, rating_year). JSON numbers arrive as their text.

with source as (

    {{ staged_source('swj.taxpayer') }}

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
        _ingested_at,
        _staged_at

    from source

)

select * from renamed
