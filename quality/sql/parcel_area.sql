-- area_m2 agrees with the polygon's computed area within 5% (zrzy.land_parcel rules).
-- Area of the outer ring by the shoelace formula in a local projection on the CGCS2000
-- ellipsoid at the ring's mean latitude (meridian radius M, prime-vertical radius N), the
-- method of synth/geo.py; at parcel scale it is within 0.1% of the geodesic area.
-- Plain SQL: DuckDB's spatial extension cannot be installed offline.
{%- set a, e2 = 6378137.0, 0.0066943800229 %}
WITH rings AS (
    SELECT s.*, try_cast(json_extract(s.geometry, '$.coordinates[0]') AS DOUBLE[][]) AS r
    FROM {{ relation }} AS s
    WHERE s._batch IN ({batches}) AND s.geometry_flag IS NULL AND s.area_m2 IS NOT NULL
),
measured AS (
    SELECT *,
        radians(list_avg(list_transform(r[1:len(r) - 1], lambda p: p[2]))) AS phi,
        abs(list_sum(list_transform(range(1, len(r)), lambda i:
            (r[i][1] - r[1][1]) * (r[i + 1][2] - r[1][2]) - (r[i + 1][1] - r[1][1]) * (r[i][2] - r[1][2])))) / 2
            AS deg2
    FROM rings
),
areas AS (
    SELECT *,
        deg2 * radians(1) * radians(1)
            * ({{ a }} / sqrt(1 - {{ e2 }} * sin(phi) ^ 2)) * cos(phi)                    -- N cos(phi)
            * ({{ a }} * (1 - {{ e2 }}) / pow(sqrt(1 - {{ e2 }} * sin(phi) ^ 2), 3))      -- M
            AS computed_m2
    FROM measured
)
SELECT s._batch, s._file, s._row_no, {{ record_key }} AS record_key,
       CAST(s.area_m2 AS VARCHAR) AS observed,
       'polygon area ' || round(s.computed_m2, 1) AS detail
FROM areas AS s
WHERE abs(s.area_m2 - s.computed_m2) > 0.05 * s.computed_m2
