-- 宗地基础信息 — land parcels, full snapshot, quarterly (key parcel_code). The polygon stays
-- GeoJSON text; its centroid is computed in SQL (polygon_centroid).

with source as (

    {{ staged_source('zrzy.land_parcel') }}

),

renamed as (

    select
        -- ids
        parcel_code,
        {{ party_code('owner_code') }} as owner_code,
        owner_code_delivered,
        {{ party_code_flag('owner_code') }} as owner_code_flag,

        -- strings
        owner_name,

        -- codes
        land_use,
        {{ region_code('region_code') }} as region_code,
        region_code_delivered,
        {{ region_flag('region_code') }} as region_code_flag,

        -- numerics
        {{ to_decimal('area_m2') }} as area_m2,
        {{ number_flag('area_m2', 'decimal') }} as area_m2_flag,

        -- geometry
        geometry,
        {{ polygon_centroid('geometry', 'lon') }} as centroid_lon,
        {{ polygon_centroid('geometry', 'lat') }} as centroid_lat,
        {{ geojson_polygon_flag('geometry') }} as geometry_flag,

        -- lineage
        _batch,
        _file,
        _row_no,
        _ingested_at,
        _staged_at

    from source

)

select * from renamed
