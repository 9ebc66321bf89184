-- 空间地理基础库·标准地址 — one row per standard address (address_code) 自然资源 has ever
-- delivered: its record from the latest snapshot it appears in (address text, region,
-- longitude and latitude) and whether it is still in the newest snapshot.

{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='address_code',
    on_schema_change='fail',
) }}

{%- set delivered = ['address_code', 'address', 'region_code', 'region_code_delivered', 'region_code_flag',
                     'lon', 'lon_flag', 'lat', 'lat_flag',
                     '_batch', '_file', '_row_no', '_ingested_at', '_staged_at'] %}

with standard_address as (

    select
        {{ delivered | join(',\n        ') }},
        _batch as first_seen_batch
    from ({{ staged_since_last_run(ref('stg_zrzy__standard_address')) }})

),

-- on an incremental run the stored addresses compete with the new records; those of the
-- newest snapshot so far are read back too, as a new snapshot decides whether they are
-- still in it
candidates as (

    select * from standard_address
    {%- if is_incremental() %}
    union all
    select
        {{ delivered | join(',\n        ') }},
        first_seen_batch
    from {{ this }}
    where address_code in (select address_code from standard_address)
        or (in_latest_snapshot and exists (select 1 from standard_address))
    {%- endif %}

),

-- the newest snapshot delivered so far: the newest new batch or the newest already merged
newest as (

    select max(_batch) as newest_batch
    from (
        select _batch from standard_address
        {%- if is_incremental() %}
        union all
        select max(_batch) from {{ this }}
        {%- endif %}
    ) as batches

),

-- a full snapshot: the latest record of an address wins whole (an address twice in a
-- snapshot: the later record)
latest as (

    select
        {{ delivered | reject('in', ['_staged_at']) | join(',\n        ') }},
        min(first_seen_batch) over (partition by address_code) as first_seen_batch,
        max(_staged_at) over (partition by address_code) as _staged_at
    from candidates
    qualify row_number() over (partition by address_code order by _batch desc, _ingested_at desc, _file desc, _row_no desc) = 1

)

select
    -- ids
    address_code,

    -- strings
    address,

    -- codes
    region_code,
    region_code_delivered,
    region_code_flag,

    -- numerics
    lon,
    lon_flag,
    lat,
    lat_flag,

    -- snapshot
    latest._batch = newest.newest_batch as in_latest_snapshot,

    -- lineage
    first_seen_batch,
    _batch,
    _file,
    _row_no,
    _ingested_at,
    _staged_at
from latest
cross join newest
