-- 人口基础库·人员历史 — SCD type 2 history of each person's 公安 household record: a
-- version per change of any tracked column, with the batch it started and ended, the
-- columns that changed and the record that delivered it.

{{ config(
    materialized='incremental',
    unique_key='person_id',
    meta={'tests_on_rows_written_this_run': true},
) }}

with observations as {{ govlake.not_materialized() }} (

    select
        id_no as person_id,
        name,
        gender,
        birth_date,
        ethnicity,
        household_no,
        relation_to_head,
        address,
        region_code,
        mobile,
        -- order: batch, then update time (an unreadable one sorts first), then row
        _batch,
        _ingested_at,
        coalesce(updated_at, cast('1900-01-01' as timestamp)) as _updated_at,
        _file,
        _row_no,
        _staged_at
    from {{ ref('stg_gaj__household_register') }}

),

{{ scd2_versions('observations', 'person_id',
    ['name', 'gender', 'birth_date', 'ethnicity', 'household_no', 'relation_to_head', 'address',
     'region_code', 'mobile'],
    order=['_batch', '_ingested_at', '_updated_at', '_row_no']) }}

select
    *,
    'gaj.household_register' as source_id
from versions
