{# Incremental filter of staging: rows whose (_batch, _ingested_at) is not in the
   model yet. A new batch, and a batch re-delivered and re-ingested since the last
   run (new _ingested_at), both pass; delete+insert on _batch then replaces the old
   rows of that batch. Batches removed from raw stay until a full refresh. #}
{% macro is_new_batch(alias) -%}
    {%- if is_incremental() -%}
    not exists (
        select 1
        from (select distinct _batch, _ingested_at from {{ this }}) as loaded
        where loaded._batch = {{ alias }}._batch and loaded._ingested_at = {{ alias }}._ingested_at
    )
    {%- else -%}
    1 = 1
    {%- endif -%}
{%- endmacro %}
