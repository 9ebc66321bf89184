{# 一数一源 golden record of one base-library entity.

   For every attribute that the source register (数源清单, `source_register()`, generated
   from the registry's `authority`) gives to one of `inputs`, the value is taken from that
   source only: its latest non-blank value by the source's order. A blank never overwrites
   a known value (blanks are completeness findings, not facts). Each attribute keeps its
   lineage: <attr>__source, <attr>__batch — the batch that delivered the current value
   first since it last differed (a full snapshot repeating a value daily does not move it;
   a batch that changes it does) — and <attr>__order (that delivery's ordering key).

   inputs  source id -> {cte: name of a CTE over ALL of the source's staged records: `key`,
           one column per register attribute of that source (named as the attribute), the
           `extra` columns, `_batch`, `_staged_at`; order: the columns that order the
           source's records, oldest to newest (never NULL: coalesce them), e.g.
           ['_batch', '_ingested_at', 'updated_at', '_row_no']}.
   extra   source id -> descriptive columns of that source the register does not name
           (no other source holds them); they follow the same latest-non-blank rule.

   Incremental runs write only the keys a new record can change: a key not stored yet, or
   one whose record staged since this model last ran carries a value different from the
   stored one, or sorts before the stored value's delivery (a late batch). Those keys are
   recomputed from all their records, exactly as a full rebuild computes them; a snapshot
   that repeats yesterday's values costs one comparison per record. Rows carry
   `_staged_at`, the run that wrote them (the next run's watermark).
   Leaves a CTE named `golden`. #}
{% macro golden_record(library, key, inputs, extra={}) -%}
    {%- set register = govlake.source_register()[library] -%}
    {%- set columns = [] -%}
    {%- set per_input = [] -%}
    {%- for sid, input in inputs.items() -%}
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
            {%- do columns.append({'name': a, 'source': sid, 'cte': 'latest_' ~ (per_input | length)}) -%}
        {%- endfor -%}
        {%- set qualified = [] -%}
        {%- for o in input.order -%}{%- do qualified.append('n.' ~ o) -%}{%- endfor -%}
        {%- do per_input.append({'sid': sid, 'cte': input.cte, 'order': govlake.order_key(input.order),
                                 'order_n': govlake.order_key(qualified),
                                 'values': values, 'n': per_input | length}) -%}
    {%- endfor -%}

    {%- if is_incremental() %}
    -- keys a record staged since the last run can change
    golden_scope as (
        {%- for i in per_input %}
        select distinct n.{{ key }}
        from (select * from {{ i.cte }} where _staged_at > {{ govlake.watermark() }} and {{ key }} is not null) as n
        left join {{ this }} as old on old.{{ key }} = n.{{ key }}
        where (old.{{ key }} is null
            {%- for a in i['values'] %}
               or (n.{{ a }} is not null and (n.{{ a }} is distinct from old.{{ a }} or {{ i.order_n }} < old.{{ a }}__order))
            {%- endfor %})
        {%- if not loop.last %}
        union
        {%- endif %}
        {%- endfor %}
    ),
    {%- endif %}
    {%- for i in per_input %}

    -- {{ i.sid }}: the records of the keys in scope; a value starts a run where it differs
    -- from the previous non-blank value of the key
    records_{{ i.n }} as (
        select
            {{ key }},
            _batch,
            {{ i.order }} as _order,
            {%- for a in i['values'] %}
            {{ a }},
            {{ a }} is not null and {{ a }} is distinct from lag({{ a }} ignore nulls) over per_key as {{ a }}__starts,
            {%- endfor %}
        from {{ i.cte }}
        where {{ key }} is not null
        {%- if is_incremental() %}
          and {{ key }} in (select {{ key }} from golden_scope)
        {%- endif %}
        window per_key as (partition by {{ key }} order by {{ i.order }})
    ),

    latest_{{ i.n }} as (
        select
            {{ key }},
            {%- for a in i['values'] %}
            {{ govlake.latest_value(a, '_order') }} as {{ a }},
            {{ govlake.latest_where('_batch', '_order', a ~ '__starts') }} as {{ a }}__batch,
            max(_order) filter (where {{ a }}__starts) as {{ a }}__order,
            {%- endfor %}
        from records_{{ i.n }}
        group by {{ key }}
    ),
    {%- endfor %}

    golden as (
        select
            keys.{{ key }},
            {%- for c in columns %}
            {{ c.cte }}.{{ c.name }},
            '{{ c.source }}' as {{ c.name }}__source,
            {{ c.cte }}.{{ c.name }}__batch,
            {{ c.cte }}.{{ c.name }}__order,
            {%- endfor %}
            {{ govlake.run_timestamp() }} as _staged_at
        from (
            {%- for i in per_input %}
            select {{ key }} from latest_{{ i.n }}
            {%- if not loop.last %}
            union
            {%- endif %}
            {%- endfor %}
        ) as keys
        {%- for i in per_input %}
        -- ON, not USING: USING would merge a same-named attribute into the key
        left join latest_{{ i.n }} on latest_{{ i.n }}.{{ key }} = keys.{{ key }}
        {%- endfor %}
    )
{%- endmacro %}
