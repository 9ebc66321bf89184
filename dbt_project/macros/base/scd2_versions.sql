{# SCD type 2 versions of an entity from the records a source delivered batch after
   batch: a new version starts whenever a tracked column differs from the version before
   (NULLs compare as values: a value that disappears is a change too).

   observations  CTE with `key`, the tracked columns, _batch, _file, _row_no, _staged_at
                 and the `order` columns
   order         columns ordering a key's records oldest to newest, never NULL (coalesce
                 them), `_batch` among them, e.g. ['_batch', '_ingested_at', '_row_no'];
                 several records of one key in one batch: the newest stands for the batch
   Output columns: key, version_no, valid_from_batch, valid_to_batch (the batch the next
   version starts; NULL for the current one), is_current, the tracked columns,
   changed_columns (comma-separated, NULL for the first version), lineage of the record
   that opened the version (_file, _row_no and the other order columns) and _staged_at.

   Incremental runs: the stored versions of the keys seen in new rows are read back as
   observations and the islands recomputed, so the versions equal those of a full rebuild.
   Leaves a CTE named `versions`. #}
{% macro scd2_versions(observations, key, tracked, order) -%}
    {%- if '_batch' not in order -%}
        {{ exceptions.raise_compiler_error("scd2_versions: the order columns must include _batch") }}
    {%- endif -%}
    {%- set lineage = ['_file', '_row_no'] + (order | reject('in', ['_batch', '_file', '_row_no']) | list) -%}
    scd2_input as (
        select {{ key }}, {{ tracked | join(', ') }}, _batch, {{ lineage | join(', ') }}, _staged_at
        from {{ observations }}
        where {{ key }} is not null
        {%- if is_incremental() %}
        union all
        select {{ key }}, {{ tracked | join(', ') }}, valid_from_batch, {{ lineage | join(', ') }}, _staged_at
        from {{ this }}
        where {{ key }} in (select {{ key }} from {{ observations }})
        {%- endif %}
    ),

    scd2_per_batch as (
        select *
        from scd2_input
        qualify row_number() over (partition by {{ key }}, _batch order by {{ order | join(' desc, ') }} desc) = 1
    ),

    scd2_compared as (
        select
            *,
            {{ govlake.row_hash(tracked) }} as _hash,
            lag({{ govlake.row_hash(tracked) }}) over (partition by {{ key }} order by {{ order | join(', ') }}) as _previous_hash,
            {%- for c in tracked %}
            lag({{ c }}) over (partition by {{ key }} order by {{ order | join(', ') }}) as _previous_{{ c }},
            {%- endfor %}
            max(_staged_at) over (partition by {{ key }}) as _key_staged_at
        from scd2_per_batch
    ),

    scd2_starts as (
        select *
        from scd2_compared
        where _previous_hash is null or _previous_hash <> _hash
    ),

    versions as (
        select
            {{ key }},
            row_number() over (partition by {{ key }} order by {{ order | join(', ') }}) as version_no,
            _batch as valid_from_batch,
            lead(_batch) over (partition by {{ key }} order by {{ order | join(', ') }}) as valid_to_batch,
            lead(_batch) over (partition by {{ key }} order by {{ order | join(', ') }}) is null as is_current,
            {%- for c in tracked %}
            {{ c }},
            {%- endfor %}
            nullif(concat_ws(','
                {%- for c in tracked %},
                case when _previous_hash is not null and {{ c }} is distinct from _previous_{{ c }} then '{{ c }}' end
                {%- endfor %}), '') as changed_columns,
            {{ lineage | join(',\n            ') }},
            _key_staged_at as _staged_at
        from scd2_starts
    )
{%- endmacro %}


{# md5 of the columns' text, NULL written distinctly from any value #}
{% macro row_hash(columns) -%}
    md5(concat_ws(chr(31)
    {%- for c in columns %},
        coalesce(cast({{ c }} as varchar), chr(0))
    {%- endfor %}))
{%- endmacro %}
