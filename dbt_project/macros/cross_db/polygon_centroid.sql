{# Centroid of a GeoJSON Polygon's outer ring (area-weighted, shoelace formula), in
   the ring's own lon/lat degrees: good at parcel scale, where the earth is flat
   enough. Holes are ignored. NULL when the text is not a Polygon with a ring of at
   least four positions, or the ring has no area. DuckDB's spatial extension cannot
   be installed offline (INSTALL spatial needs the network), hence plain SQL.
   Coordinates are taken relative to the first vertex to keep precision. #}
{% macro polygon_centroid(expr, axis) -%}
    {{ return(adapter.dispatch('polygon_centroid', 'govlake')(expr, axis)) }}
{%- endmacro %}

{# True when `expr` is GeoJSON text of type Polygon whose outer ring has >= 4 numeric positions. #}
{% macro is_geojson_polygon(expr) -%}
    {{ return(adapter.dispatch('is_geojson_polygon', 'govlake')(expr)) }}
{%- endmacro %}

{% macro default__polygon_centroid(expr, axis) -%}
    cast(null as double)
{%- endmacro %}

{% macro default__is_geojson_polygon(expr) -%}
    false
{%- endmacro %}

{% macro duckdb__is_geojson_polygon(expr) -%}
    {#- nested CASEs: json_extract raises on malformed JSON, so it must only see valid text -#}
    coalesce(case when json_valid({{ expr }}) then
        case when json_extract_string({{ expr }}, '$.type') = 'Polygon'
            then len(try_cast(json_extract({{ expr }}, '$.coordinates[0]') as double[][])) >= 4
        end
    end, false)
{%- endmacro %}

{% macro duckdb__polygon_centroid(expr, axis) -%}
    {%- set k = 1 if axis == 'lon' else 2 -%}
    {#- x_i, y_i relative to r[1]; j = the next vertex (wrapping, so open rings work too) -#}
    {%- set cross -%}
        ((r[i][1] - r[1][1]) * (r[i % len(r) + 1][2] - r[1][2])
         - (r[i % len(r) + 1][1] - r[1][1]) * (r[i][2] - r[1][2]))
    {%- endset -%}
    case when {{ govlake.is_geojson_polygon(expr) }} then
        list_transform(
            [try_cast(json_extract({{ expr }}, '$.coordinates[0]') as double[][])],
            lambda r: r[1][{{ k }}]
                + list_sum(list_transform(range(1, len(r) + 1),
                    lambda i: ((r[i][{{ k }}] - r[1][{{ k }}]) + (r[i % len(r) + 1][{{ k }}] - r[1][{{ k }}])) * {{ cross }}))
                / (3 * nullif(list_sum(list_transform(range(1, len(r) + 1), lambda i: {{ cross }})), 0))
        )[1]
    end
{%- endmacro %}

{# untested here (no Spark in this environment); 0-based arrays #}
{% macro spark__is_geojson_polygon(expr) -%}
    coalesce(get_json_object({{ expr }}, '$.type') = 'Polygon'
        and size(from_json({{ expr }}, 'struct<coordinates:array<array<array<double>>>>').coordinates[0]) >= 4, false)
{%- endmacro %}

{% macro spark__polygon_centroid(expr, axis) -%}
    {%- set k = 0 if axis == 'lon' else 1 -%}
    {%- set cross -%}
        ((r[i][0] - r[0][0]) * (r[(i + 1) % size(r)][1] - r[0][1])
         - (r[(i + 1) % size(r)][0] - r[0][0]) * (r[i][1] - r[0][1]))
    {%- endset -%}
    case when {{ govlake.is_geojson_polygon(expr) }} then
        transform(
            array(from_json({{ expr }}, 'struct<coordinates:array<array<array<double>>>>').coordinates[0]),
            r -> r[0][{{ k }}]
                + aggregate(transform(sequence(0, size(r) - 1),
                    i -> ((r[i][{{ k }}] - r[0][{{ k }}]) + (r[(i + 1) % size(r)][{{ k }}] - r[0][{{ k }}])) * {{ cross }}), 0D, (a, b) -> a + b)
                / (3 * nullif(aggregate(transform(sequence(0, size(r) - 1), i -> {{ cross }}), 0D, (a, b) -> a + b), 0))
        )[0]
    end
{%- endmacro %}

{# bad_geojson when present but not a Polygon with an area; else NULL. #}
{% macro geojson_polygon_flag(expr) -%}
    case
        when {{ expr }} is null then null
        when not {{ govlake.is_geojson_polygon(expr) }} then 'bad_geojson'
        when {{ govlake.polygon_centroid(expr, 'lon') }} is null then 'bad_geojson'
    end
{%- endmacro %}
