{# "The latest delivery of a record wins whole", for libraries with one source.

   relation  the staging model; key  the record's key column; delivered  the columns
   kept (lineage included, `_staged_at` last); reread  a condition on stored rows that
   must be read back on an incremental run even without a new delivery (e.g. a holder not
   resolved yet, or membership of the newest snapshot), or none.
   Leaves three CTEs: `new_rows` (rows staged since the last run, with first_seen_batch),
   `candidates` (new rows plus, incrementally, the stored rows of the same keys and those
   `reread` names) and `latest` (one row per key: the latest delivery, the first batch it
   was seen in, the newest _staged_at); with snapshots=true (a source delivering full
   snapshots) a fourth, `newest` (newest_batch: the newest snapshot delivered so far — the
   newest new batch or the newest already merged). #}
{% macro latest_delivery(relation, key, delivered, reread=none, snapshots=false) -%}
    new_rows as (

        select
            {{ delivered | join(',\n            ') }},
            _batch as first_seen_batch
        from ({{ govlake.staged_since_last_run(relation) }})

    ),

    candidates as (

        select * from new_rows
        {%- if is_incremental() %}
        union all
        select
            {{ delivered | join(',\n            ') }},
            first_seen_batch
        from {{ this }}
        where {{ key }} in (select {{ key }} from new_rows)
        {%- if reread %}
            or ({{ reread }})
        {%- endif %}
        {%- endif %}

    ),

    latest as (

        select
            {{ delivered | reject('in', ['_staged_at']) | join(',\n            ') }},
            min(first_seen_batch) over (partition by {{ key }}) as first_seen_batch,
            max(_staged_at) over (partition by {{ key }}) as _staged_at
        from candidates
        qualify row_number() over (
            partition by {{ key }} order by _batch desc, _ingested_at desc, _file desc, _row_no desc) = 1

    )
    {%- if snapshots %},

    newest as (

        select max(_batch) as newest_batch
        from (
            select _batch from new_rows
            {%- if is_incremental() %}
            union all
            select max(_batch) from {{ this }}
            {%- endif %}
        ) as batches

    )
    {%- endif %}
{%- endmacro %}
