-- 法人单位基础库·企业 — one row per enterprise: identity and status from 市场监管 (the
-- latest change record by change time wins), tax status and credit rating from 税务's
-- latest snapshot and rating year. The source register decides which source gives
-- which attribute (golden_record reads it); each carries its source and batch.

{{ config(
    materialized='incremental',
    unique_key='enterprise_id',
    meta={'tests_on_rows_written_this_run': true},
) }}

with enterprise_register as (

    select
        uscc as enterprise_id,
        uscc,
        name,
        legal_rep_name as legal_rep,
        established_on,
        status,
        legal_rep_id_no,
        registered_capital,
        address,
        region_code,
        industry_code,
        entity_type,
        changed_at,
        -- order: change time (an unreadable one sorts first), then batch and row
        coalesce(changed_at, cast('1900-01-01' as timestamp)) as _changed_at,
        _batch,
        _ingested_at,
        _row_no,
        _staged_at
    from {{ ref('stg_scjg__enterprise_register') }}

),

taxpayer as (

    select
        uscc as enterprise_id,
        tax_status,
        credit_rating,
        rating_year as credit_rating_year,
        coalesce(rating_year, 0) as _rating_year,
        _batch,
        _ingested_at,
        _row_no,
        _staged_at
    from {{ ref('stg_swj__taxpayer') }}

),

{{ golden_record(
    library='legal_entity',
    key='enterprise_id',
    inputs={
        'scjg.enterprise_register': {'cte': 'enterprise_register',
                                     'order': ['_changed_at', '_batch', '_ingested_at', '_row_no']},
        'swj.taxpayer': {'cte': 'taxpayer', 'order': ['_batch', '_rating_year', '_ingested_at', '_row_no']},
    },
    extra={
        'scjg.enterprise_register': ['legal_rep_id_no', 'registered_capital', 'address', 'region_code',
                                     'industry_code', 'entity_type', 'changed_at'],
        'swj.taxpayer': ['tax_status', 'credit_rating', 'credit_rating_year'],
    },
) }}

select
    *,
    -- registered: 市场监管 holds a registration (税务 may know taxpayers it does not)
    uscc is not null as is_registered,
    status in ('注销', '吊销') as is_struck_off
from golden
