-- 人口基础库·人员 — one row per person known to an authoritative source: identity and
-- household attributes from 公安, death from 卫健, marital status from 民政's latest
-- registration. Which source gives which attribute is the source register's decision
-- (golden_record reads it); each attribute carries its source, batch and ordering key.

{{ config(
    materialized='incremental',
    unique_key='person_id',
    meta={'tests_on_rows_written_this_run': true},
) }}

with household_register as (

    select
        id_no as person_id,
        id_no,
        name,
        gender,
        birth_date,
        ethnicity,
        address as household_address,
        household_no,
        relation_to_head,
        region_code,
        mobile,
        -- order: batch, then update time (an unreadable one sorts first), then row
        _batch,
        _ingested_at,
        coalesce(updated_at, cast('1900-01-01' as timestamp)) as _updated_at,
        _row_no,
        _staged_at
    from {{ ref('stg_gaj__household_register') }}

),

death_record as (

    select
        id_no as person_id,
        death_date,
        _batch,
        _ingested_at,
        _row_no,
        _staged_at
    from {{ ref('stg_wjw__death_record') }}

),

-- each registration concerns two persons; the latest by registration date decides
registrations as (

    select * from {{ ref('stg_mzj__marriage_register') }}
    where reg_date is not null

),

marriage_register as (

    {%- for party in ['man', 'woman'] %}
    select
        {{ party }}_id_no as person_id,
        case reg_type when '离婚' then '离婚' else '已婚' end as marital_status,
        reg_date as marital_status_date,
        reg_no as marital_status_reg_no,
        reg_date,
        _batch,
        _ingested_at,
        _row_no,
        _staged_at
    from registrations
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}

),

{{ golden_record(
    library='population',
    key='person_id',
    inputs={
        'gaj.household_register': {'cte': 'household_register',
                                   'order': ['_batch', '_ingested_at', '_updated_at', '_row_no']},
        'wjw.death_record': {'cte': 'death_record', 'order': ['_batch', '_ingested_at', '_row_no']},
        'mzj.marriage_register': {'cte': 'marriage_register',
                                  'order': ['reg_date', '_batch', '_ingested_at', '_row_no']},
    },
    extra={
        'gaj.household_register': ['household_no', 'relation_to_head', 'region_code', 'mobile'],
        'mzj.marriage_register': ['marital_status_date', 'marital_status_reg_no'],
    },
) }}

select
    *,
    -- registered: 公安 holds a household record for the person (others may only be
    -- known from a death record or a marriage registration)
    id_no is not null as is_registered,
    death_date is not null as is_deceased
from golden
