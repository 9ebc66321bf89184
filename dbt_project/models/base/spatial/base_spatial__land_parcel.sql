-- 空间地理基础库·宗地 — one row per parcel (parcel_code) 自然资源 has ever delivered: its
-- record from the latest snapshot it appears in (land use, area, owner, region, polygon and
-- centroid), whether it is still in the newest snapshot, the owner's code resolved to a
-- golden person or enterprise, and whether the declared area agrees with the polygon's.

{{ config(
    materialized='incremental',
    unique_key='parcel_code',
) }}

{%- set delivered = ['parcel_code', 'land_use', 'area_m2', 'owner_name', 'owner_code', 'owner_code_flag',
                     'region_code', 'region_code_delivered', 'region_code_flag',
                     'geometry', 'geometry_flag', 'centroid_lon', 'centroid_lat',
                     '_batch', '_file', '_row_no', '_ingested_at', '_staged_at'] %}

with

-- a full snapshot: the latest record of a parcel wins whole (a parcel twice in a snapshot:
-- the later record). Read back on an incremental run: the parcels of the newest snapshot
-- so far when a new one arrives (it decides whether they are still in it) and those whose
-- owner was not known yet (resolved once the owner is).
-- `newest` (snapshots=true): the newest snapshot delivered so far
{{ latest_delivery(ref('stg_zrzy__land_parcel'), 'parcel_code', delivered,
    reread="(in_latest_snapshot and exists (select 1 from new_rows)) or (owner_code is not null and not owner_resolved)",
    snapshots=true) }},

-- Polygon area without the spatial extension (it cannot be installed offline): the outer
-- ring is projected onto the plane tangent at its mean position, east-west metres per
-- degree from the CGCS2000 ellipsoid's prime-vertical radius times cos(latitude), north-south
-- from its meridian radius, and the shoelace formula gives the area. At parcel size the
-- error of the flat projection is far below a millionth of the area. Holes are ignored.
-- The list arithmetic per engine: macros/cross_db/polygon_ring.sql.
rings as (

    select
        *,
        case when geometry is not null and geometry_flag is null
            then {{ govlake.ring_coordinates('geometry') }}
        end as _ring
    from latest

),

ring_centres as (

    select
        *,
        {{ govlake.ring_mean('_ring', 'lon') }} as _lon0,
        {{ govlake.ring_mean('_ring', 'lat') }} as _lat0
    from rings

),

ring_areas as (

    select
        *,
        -- shoelace in degrees², relative to the centre (the next vertex wraps around)
        abs({{ govlake.ring_shoelace('_ring', '_lon0', '_lat0') }}) / 2 as _area_deg2,
        sqrt(1 - 0.00669438002290 * pow(sin(radians(_lat0)), 2)) as _w
    from ring_centres

),

measured as (

    select
        *,
        _area_deg2
            * radians(1) * (6378137 / _w) * cos(radians(_lat0))                  -- metres per degree east
            * radians(1) * (6378137 * (1 - 0.00669438002290) / pow(_w, 3))      -- metres per degree north
            as polygon_area_m2
    from ring_areas

),

resolved as (

    {{ resolve_party('measured', 'owner') }}

)

select
    -- ids
    parcel_code,
    owner_code,
    owner_code_flag,
    owner_person_id,
    owner_uscc,
    {{ party_resolution('owner') }},

    -- strings
    owner_name,

    -- codes
    land_use,
    region_code,
    region_code_delivered,
    region_code_flag,

    -- numerics
    area_m2,
    cast(round(polygon_area_m2, 2) as decimal(18, 2)) as polygon_area_m2,
    cast(round((area_m2 - polygon_area_m2) / nullif(polygon_area_m2, 0), 6) as decimal(18, 6)) as area_deviation,
    -- registry rule: the declared area agrees with the polygon's within 5% (a flag, not a rejection)
    abs(area_m2 - polygon_area_m2) <= 0.05 * polygon_area_m2 as area_agrees,

    -- geometry
    geometry,
    geometry_flag,
    centroid_lon,
    centroid_lat,

    -- snapshot
    resolved._batch = newest.newest_batch as in_latest_snapshot,

    -- lineage
    first_seen_batch,
    _batch,
    _file,
    _row_no,
    _ingested_at,
    _staged_at
from resolved
cross join newest
