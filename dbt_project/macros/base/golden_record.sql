{# 一数一源 golden record of one base-library entity.

   For every attribute that the source register (数源清单, `source_register()`, generated
   from the registry's `authority`) gives to one of `inputs`, the value is taken from that
   source only: its latest non-blank value by the source's `_order`. A blank never
   overwrites a known value (blanks are completeness findings, not facts). Each attribute
   keeps its lineage: <attr>__source, <attr>__batch (the batch that delivered the value)
   and <attr>__order (the ordering key it won with, so later runs can compete with it).

   inputs  source id -> {cte: name of a CTE with one row per delivered record: `key`, one
           column per register attribute of that source (named as the attribute), the
           `extra` columns, `_batch`, `_staged_at`; order: the columns that order the
           source's records, oldest to newest (never NULL: coalesce them), e.g.
           ['_batch', '_ingested_at', 'updated_at', '_row_no']}.
   extra   source id -> descriptive columns of that source the register does not name
           (no other source holds them); they follow the same latest-non-blank rule.

   Incremental runs: the CTEs hold only rows staged since this model last ran (see
   staged_since_last_run); the stored golden row competes attribute by attribute with the
   new candidates, so one new batch gives the same result as rebuilding from all batches.
   Leaves a CTE named `golden`. #}
{% macro golden_record(library, key, inputs, extra={}) -%}
    {%- set register = govlake.source_register()[library] -%}
    {%- set columns = [] -%}
    {%- for sid, input in inputs.items() -%}
        {%- set cte = input.cte -%}
        {%- set latest_cte = 'latest_' ~ loop.index0 ~ '_' ~ cte -%}
        {%- set attrs = [] -%}
        {%- for attr, owner in register.items() if owner.source == sid -%}
            {%- do attrs.append(attr) -%}
        {%- endfor -%}
        {%- if not attrs and not extra.get(sid) -%}
            {{ exceptions.raise_compiler_error("golden_record(" ~ library ~ "): source " ~ sid ~ " owns no attribute of the library in the source register and has no extra columns") }}
        {%- endif -%}
        {%- set values = attrs + extra.get(sid, []) -%}
        {%- for a in values -%}
            {%- if a == key -%}
                {{ exceptions.raise_compiler_error("golden_record(" ~ library ~ "): the key '" ~ key ~ "' must not be named like an attribute; name the entity key e.g. <entity>_id") }}
            {%- endif -%}
            {%- do columns.append({'name': a, 'source': sid, 'cte': latest_cte}) -%}
        {%- endfor %}
    -- {{ sid }}: each key's records, newest first by the source's order
    ranked_{{ loop.index0 }}_{{ cte }} as (
        select
            *,
            row_number() over (partition by {{ key }} order by {{ input.order | join(' desc, ') }} desc) as _recency,
            max(_staged_at) over (partition by {{ key }}) as _key_staged_at
        from {{ cte }}
        where {{ key }} is not null
    ),

    newest_{{ loop.index0 }}_{{ cte }} as (
        select *, {{ govlake.order_key(input.order) }} as _order
        from ranked_{{ loop.index0 }}_{{ cte }}
        where _recency = 1
    ),

    -- older records are read only for the keys whose newest record leaves an attribute
    -- blank (a blank never overwrites a known value): usually few
    fallback_{{ loop.index0 }}_{{ cte }} as (
        select
            {{ key }},
            {%- for a in values %}
            {{ govlake.latest_value(a, '-_recency') }} as {{ a }},
            {{ govlake.latest_value('_batch', '-_recency', a) }} as {{ a }}__batch,
            {{ govlake.latest_value(govlake.order_key(input.order), '-_recency', a) }} as {{ a }}__order,
            {%- endfor %}
            count(*) as _records
        from ranked_{{ loop.index0 }}_{{ cte }}
        where _recency > 1
          and {{ key }} in (
              select {{ key }} from newest_{{ loop.index0 }}_{{ cte }}
              where {% for a in values %}{{ a }} is null{{ ' or ' if not loop.last }}{% endfor %})
        group by {{ key }}
    ),

    {{ latest_cte }} as (
        select
            n.{{ key }},
            {%- for a in values %}
            coalesce(n.{{ a }}, f.{{ a }}) as {{ a }},
            case when n.{{ a }} is not null then n._batch else f.{{ a }}__batch end as {{ a }}__batch,
            case when n.{{ a }} is not null then n._order else f.{{ a }}__order end as {{ a }}__order,
            {%- endfor %}
            n._key_staged_at as _staged_at
        from newest_{{ loop.index0 }}_{{ cte }} as n
        left join fallback_{{ loop.index0 }}_{{ cte }} as f on f.{{ key }} = n.{{ key }}
    ),
    {%- endfor %}

    candidate_keys as (
        {%- for sid, input in inputs.items() %}
        select {{ key }}, _staged_at from latest_{{ loop.index0 }}_{{ input.cte }}
        {%- if not loop.last %}
        union all
        {%- endif %}
        {%- endfor %}
    ),

    new_golden as (
        select
            keys.{{ key }},
            {%- for c in columns %}
            {{ c.cte }}.{{ c.name }},
            '{{ c.source }}' as {{ c.name }}__source,
            {{ c.cte }}.{{ c.name }}__batch,
            {{ c.cte }}.{{ c.name }}__order,
            {%- endfor %}
            keys._staged_at
        from (select {{ key }}, max(_staged_at) as _staged_at from candidate_keys group by {{ key }}) as keys
        {%- for sid, input in inputs.items() %}
        -- ON, not USING: USING would merge a same-named attribute into the key
        left join latest_{{ loop.index0 }}_{{ input.cte }}
            on latest_{{ loop.index0 }}_{{ input.cte }}.{{ key }} = keys.{{ key }}
        {%- endfor %}
    ),

    golden as (
    {%- if is_incremental() %}
        select
            new_golden.{{ key }},
            {%- for c in columns %}
            {%- set newer = 'new_golden.' ~ c.name ~ '__order is not null and (old.' ~ c.name ~ '__order is null or new_golden.' ~ c.name ~ '__order >= old.' ~ c.name ~ '__order)' %}
            case when {{ newer }} then new_golden.{{ c.name }} else old.{{ c.name }} end as {{ c.name }},
            '{{ c.source }}' as {{ c.name }}__source,
            case when {{ newer }} then new_golden.{{ c.name }}__batch else old.{{ c.name }}__batch end as {{ c.name }}__batch,
            case when {{ newer }} then new_golden.{{ c.name }}__order else old.{{ c.name }}__order end as {{ c.name }}__order,
            {%- endfor %}
            new_golden._staged_at
        from new_golden
        left join {{ this }} as old on old.{{ key }} = new_golden.{{ key }}
    {%- else %}
        select * from new_golden
    {%- endif %}
    )
{%- endmacro %}


{# Rows of a staging model staged after the newest row this incremental model has merged
   (all rows on a full refresh). _staged_at is the dbt run's start, so a batch staged in
   any later run is read exactly once, whatever the order batches were ingested in. #}
{% macro staged_since_last_run(relation) -%}
    select * from {{ relation }}
    {%- if is_incremental() %}
    where _staged_at > (select coalesce(max(_staged_at), cast('1900-01-01' as timestamp)) from {{ this }})
    {%- endif %}
{%- endmacro %}
