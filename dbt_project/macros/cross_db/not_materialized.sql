{# The hint that keeps a CTE inlined where a model reads it more than once. DuckDB
   materializes such a CTE whole, before any of its readers' filters: an incremental golden
   record or history model, which reads a CTE over ALL of a source's staged records twice (the
   keys today's records change, then those keys' records), held the source's whole history in
   memory every day. Measured on base_population__person after 30 daily snapshots of 100,000
   persons (3.5 million staged rows): 1,484 MB and 0.58 s materialized, 194 MB and 0.16 s
   inlined (bench/README.md, "Soak"). Spark SQL has no such hint; it inlines CTEs. #}
{% macro not_materialized() -%}
    {{ return(adapter.dispatch('not_materialized', 'govlake')()) }}
{%- endmacro %}

{% macro default__not_materialized() -%}
{%- endmacro %}

{% macro duckdb__not_materialized() -%}
    not materialized
{%- endmacro %}
