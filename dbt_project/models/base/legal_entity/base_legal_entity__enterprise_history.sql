-- 法人单位基础库·企业变更历史 — SCD type 2 history of each enterprise's registration
-- (市场监管), ordered by change time: a version per change of a tracked column — status
-- changes among them — with the batch it started and ended and what changed.

{{ config(
    materialized='incremental',
    unique_key='uscc',
    meta={'tests_on_rows_written_this_run': true},
) }}

with observations as {{ govlake.not_materialized() }} (

    select
        uscc,
        name,
        legal_rep_name,
        registered_capital,
        status,
        address,
        region_code,
        industry_code,
        entity_type,
        -- order: change time (an unreadable one sorts first), then batch and row
        coalesce(changed_at, cast('1900-01-01' as timestamp)) as _changed_at,
        _batch,
        _ingested_at,
        _file,
        _row_no,
        _staged_at
    from {{ ref('stg_scjg__enterprise_register') }}

),

{{ scd2_versions('observations', 'uscc',
    ['name', 'legal_rep_name', 'registered_capital', 'status', 'address', 'region_code',
     'industry_code', 'entity_type'],
    order=['_changed_at', '_batch', '_ingested_at', '_row_no']) }}

select
    *,
    'scjg.enterprise_register' as source_id
from versions
