-- 空间地理基础库·标准地址 — one row per standard address (address_code) 自然资源 has ever
-- delivered: its record from the latest snapshot it appears in (address text, region,
-- longitude and latitude) and whether it is still in the newest snapshot.

{{ config(
    materialized='incremental',
    unique_key='address_code',
) }}

{%- set delivered = ['address_code', 'address', 'region_code', 'region_code_delivered', 'region_code_flag',
                     'lon', 'lon_flag', 'lat', 'lat_flag',
                     '_batch', '_file', '_row_no', '_ingested_at', '_staged_at'] %}

with

-- a full snapshot: the latest record of an address wins whole (an address twice in a
-- snapshot: the later record); the addresses of the newest snapshot so far are read back
-- when a new snapshot arrives, as it decides whether they are still in it
-- `newest` (snapshots=true): the newest snapshot delivered so far
{{ latest_delivery(ref('stg_zrzy__standard_address'), 'address_code', delivered,
    reread="in_latest_snapshot and exists (select 1 from new_rows)", snapshots=true) }}

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
