{# GB/T 2260 region codes through the seed reference.gbt2260_regions (generated from
   the registry). Input: a cleaned text expression. The subqueries are correlated on
   the code; seed columns are qualified with r., so an outer column must not be named
   like one of them (code, name, level, ...) - region columns are *region_code.

   region_code(x)          the code in force today: a retired code becomes the end of
                           its successor chain (371626 -> 371681); unknown codes stay as
                           delivered (their flag says so)
   region_flag(x, batch)   retired_region_code when the code had been retired on the
                           batch date (valid_to <= batch), unknown_region_code when the
                           code table does not know it, else NULL #}

{% macro region_code(expr) -%}
    coalesce(
        (select max(r.current_code) from {{ ref('gbt2260_regions') }} as r where r.code = {{ expr }}),
        {{ expr }}
    )
{%- endmacro %}

{% macro region_flag(expr, batch='_batch') -%}
    {{ return(adapter.dispatch('region_flag', 'govlake')(expr, batch)) }}
{%- endmacro %}

{% macro default__region_flag(expr, batch) -%}
    case
        when {{ expr }} is null then null
        else nullif(coalesce(
            (select max(case when r.valid_to <= cast({{ batch }} as date) then 'retired_region_code' else '' end)
             from {{ ref('gbt2260_regions') }} as r where r.code = {{ expr }}),
            'unknown_region_code'), '')
    end
{%- endmacro %}

{# Spark does not decorrelate an aggregate that mixes the outer batch with the code
   table's columns: the same answer from the earliest valid_to (some row is retired on the
   batch date exactly when the earliest is) and a count. #}
{% macro spark__region_flag(expr, batch) -%}
    case
        when {{ expr }} is null then null
        when (select min(r.valid_to) from {{ ref('gbt2260_regions') }} as r where r.code = {{ expr }})
            <= cast({{ batch }} as date) then 'retired_region_code'
        when (select count(*) from {{ ref('gbt2260_regions') }} as r where r.code = {{ expr }}) = 0
            then 'unknown_region_code'
    end
{%- endmacro %}
