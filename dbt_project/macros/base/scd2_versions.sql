{# SCD type 2 versions of an entity from the records a source delivered batch after
   batch: a new version starts whenever a tracked column differs from the version before
   (NULLs compare as values: a value that disappears is a change too).

   observations  CTE over ALL of the source's staged records: `key`, the tracked columns,
                 _batch, _file, _row_no, _staged_at and the `order` columns
   order         columns ordering a key's records oldest to newest, never NULL (coalesce
                 them), `_batch` among them, e.g. ['_batch', '_ingested_at', '_row_no'];
                 several records of one key in one batch: the newest stands for the batch
   Output columns: key, version_no, valid_from_batch, valid_to_batch (the batch the next
   version starts; NULL for the current one), is_current, the tracked columns,
   changed_columns (comma-separated, NULL for the first version), lineage of the record
   that opened the version (_file, _row_no and the other order columns) and _staged_at
   (the run that wrote the key's versions: the next run's watermark).

   Incremental runs recompute only the keys a record staged since the last run can
   change — a key not stored yet, a record differing from the key's current version, or
   one sorting before the current version opened (a late batch) — from all their
   records, so the versions equal those of a full rebuild; a snapshot repeating
   yesterday's records costs one comparison per record.
   Leaves a CTE named `versions`. #}
{% macro scd2_versions(observations, key, tracked, order) -%}
    {%- if '_batch' not in order -%}
        {{ exceptions.raise_compiler_error("scd2_versions: the order columns must include _batch") }}
    {%- endif -%}
    {%- set lineage = ['_file', '_row_no'] + (order | reject('in', ['_batch', '_file', '_row_no']) | list) -%}
    {%- set opened_by = [] -%}
    {%- for o in order -%}{%- do opened_by.append('valid_from_batch' if o == '_batch' else 'current.' ~ o) -%}{%- endfor -%}
    {%- set new_order = [] -%}
    {%- for o in order -%}{%- do new_order.append('n.' ~ o) -%}{%- endfor -%}
    {%- if is_incremental() %}
    scd2_scope as (
        select distinct n.{{ key }}
        from (select * from {{ observations }} where _staged_at > {{ govlake.watermark() }} and {{ key }} is not null) as n
        left join (select * from {{ this }} where is_current) as current on current.{{ key }} = n.{{ key }}
        where (current.{{ key }} is null
               {%- for c in tracked %}
               or n.{{ c }} is distinct from current.{{ c }}
               {%- endfor %}
               or {{ govlake.order_key(new_order) }} < {{ govlake.order_key(opened_by) }})
    ),
    {%- endif %}

    scd2_input as (
        select {{ key }}, {{ tracked | join(', ') }}, _batch, {{ lineage | join(', ') }}
        from {{ observations }}
        where {{ key }} is not null
        {%- if is_incremental() %}
          and {{ key }} in (select {{ key }} from scd2_scope)
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
            {%- for c in tracked %}
            lag({{ c }}) over (partition by {{ key }} order by {{ order | join(', ') }}) as _previous_{{ c }},
            {%- endfor %}
            {{ govlake.row_hash(tracked) }} as _hash,
            {#- last: Spark allows no comma before FROM -#}
            lag({{ govlake.row_hash(tracked) }}) over (partition by {{ key }} order by {{ order | join(', ') }}) as _previous_hash
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
            {{ govlake.run_timestamp() }} as _staged_at
        from scd2_starts
    )
{%- endmacro %}


{# md5 of the columns' text, NULL written distinctly from any value #}
{% macro row_hash(columns, alias=none) -%}
    md5(concat_ws(chr(31)
    {%- for c in columns %},
        coalesce(cast({{ alias ~ '.' if alias }}{{ c }} as string), chr(0))
    {%- endfor %}))
{%- endmacro %}
