{# The list arithmetic of base_spatial__land_parcel's polygon area, per engine: DuckDB's
   list lambdas (1-based), Spark's higher-order functions (0-based). Both sum the vertices
   in ring order, so the two engines add the same doubles in the same order.

   ring_coordinates(x)         a GeoJSON Polygon's outer ring as an array of [lon, lat]
   ring_mean(r, axis)          the mean longitude (axis 'lon') or latitude ('lat') of ring r
   ring_shoelace(r, lon0, lat0) twice the signed area of r in degrees², relative to (lon0, lat0),
                               the next vertex wrapping around #}
{% macro ring_coordinates(expr) -%}
    {{ return(adapter.dispatch('ring_coordinates', 'govlake')(expr)) }}
{%- endmacro %}

{% macro ring_mean(ring, axis) -%}
    {{ return(adapter.dispatch('ring_mean', 'govlake')(ring, axis)) }}
{%- endmacro %}

{% macro ring_shoelace(ring, lon0, lat0) -%}
    {{ return(adapter.dispatch('ring_shoelace', 'govlake')(ring, lon0, lat0)) }}
{%- endmacro %}

{% macro duckdb__ring_coordinates(expr) -%}
    try_cast(json_extract({{ expr }}, '$.coordinates[0]') as double[][])
{%- endmacro %}

{% macro duckdb__ring_mean(ring, axis) -%}
    list_avg(list_transform({{ ring }}, lambda v: v[{{ 1 if axis == 'lon' else 2 }}]))
{%- endmacro %}

{% macro duckdb__ring_shoelace(ring, lon0, lat0) -%}
    list_sum(list_transform(range(1, len({{ ring }}) + 1), lambda i:
            ({{ ring }}[i][1] - {{ lon0 }}) * ({{ ring }}[i % len({{ ring }}) + 1][2] - {{ lat0 }})
            - ({{ ring }}[i % len({{ ring }}) + 1][1] - {{ lon0 }}) * ({{ ring }}[i][2] - {{ lat0 }})))
{%- endmacro %}

{% macro spark__ring_coordinates(expr) -%}
    from_json({{ expr }}, 'struct<coordinates:array<array<array<double>>>>').coordinates[0]
{%- endmacro %}

{% macro spark__ring_mean(ring, axis) -%}
    aggregate({{ ring }}, 0D, (a, v) -> a + v[{{ 0 if axis == 'lon' else 1 }}]) / size({{ ring }})
{%- endmacro %}

{% macro spark__ring_shoelace(ring, lon0, lat0) -%}
    aggregate(sequence(0, size({{ ring }}) - 1), 0D, (a, i) -> a
            + (({{ ring }}[i][0] - {{ lon0 }}) * ({{ ring }}[(i + 1) % size({{ ring }})][1] - {{ lat0 }})
               - ({{ ring }}[(i + 1) % size({{ ring }})][0] - {{ lon0 }}) * ({{ ring }}[i][1] - {{ lat0 }})))
{%- endmacro %}
