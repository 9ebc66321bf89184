{# The rows of a source that its staging model takes, as one select: new batches
   only (see is_new_batch), every value cleaned (blanks and "NULL"/"-"/"无" to
   NULL, see clean_columns), and without the rows failing a blocking rule — those
   are in stg_rejected with their reason. One macro so the 16 staging models each
   read `source` then `renamed`, as the style guide has it. #}
{% macro staged_source(source_id) -%}
    with raw_rows as (
        select * from {{ raw_source(source_id) }} as raw
        where {{ is_new_batch('raw') }}
    ),

    cleaned as (
        select {{ clean_columns(source_id) }}
        from raw_rows
    )

    select * from cleaned
    where {{ rejection_reason(source_id) }} is null
{%- endmacro %}
