{# 一数一源 golden records (base_population__person, base_legal_entity__enterprise). Each
   model lists, per source, the attributes that source gives (the source register's
   decision, checked by `assert_source_register`), then:
     golden_scope   (incremental runs) the keys a new record can change   -> golden_keys_changed
     <source>_latest  per key, each attribute's latest non-blank value    -> latest_values
     golden         one row per key, each attribute from its source's _latest CTE
   A blank never overwrites a known value. Each attribute keeps its lineage:
   <attr>__batch — the batch that delivered the current value first since it last
   differed (a full snapshot repeating a value daily does not move it; a batch that
   changes it does) — and <attr>__order (that delivery's ordering key); the model adds
   <attr>__source. #}


{# Fails the compile unless `attributes` (source id -> attribute columns the model takes
   from that source) names every attribute the source register gives to those sources and
   none it gives to another: the register, not the model, decides who is authoritative. #}
{% macro assert_source_register(library, attributes) -%}
    {%- set register = govlake.source_register()[library] -%}
    {%- for attr, owner in register.items() if owner.source in attributes -%}
        {%- if attr not in attributes[owner.source] -%}
            {{ exceptions.raise_compiler_error("source register: " ~ library ~ "." ~ attr ~ " belongs to " ~ owner.source ~ ", which this model does not take it from") }}
        {%- endif -%}
    {%- endfor -%}
    {%- for sid, attrs in attributes.items() -%}
        {%- for attr in attrs if attr in register and register[attr].source != sid -%}
            {{ exceptions.raise_compiler_error("source register: " ~ library ~ "." ~ attr ~ " belongs to " ~ register[attr].source ~ ", not " ~ sid) }}
        {%- endfor -%}
    {%- endfor -%}
{%- endmacro %}


{# Keys of `relation` (a CTE over ALL of a source's staged records) that a record staged
   since this model last ran can change: a key not stored yet, or one whose new record
   carries an attribute value different from the stored one, or sorts (`order`) before the
   stored value's delivery (a late batch). Those keys are recomputed from all their records,
   exactly as a full rebuild computes them; a snapshot repeating yesterday's values costs
   one comparison per record. #}
{% macro golden_keys_changed(relation, key, attributes, order) -%}
    {%- set new_order = [] -%}
    {%- for o in order -%}{%- do new_order.append('n.' ~ o) -%}{%- endfor -%}
    select distinct n.{{ key }}
        from (select * from {{ relation }} where _staged_at > {{ govlake.watermark() }} and {{ key }} is not null) as n
        left join {{ this }} as old on old.{{ key }} = n.{{ key }}
        where (old.{{ key }} is null
            {%- for a in attributes %}
               or (n.{{ a }} is not null and (n.{{ a }} is distinct from old.{{ a }} or {{ govlake.order_key(new_order) }} < old.{{ a }}__order))
            {%- endfor %})
{%- endmacro %}


{# Per key of `relation` (a CTE over ALL of a source's records: `key`, the `attributes`,
   `_batch` and the `order` columns, never NULL, oldest to newest): each attribute's latest
   non-blank value, <attr>__batch (the batch that first delivered that value since the
   key's previous non-blank value differed) and <attr>__order. `scope`: a CTE of the keys
   to compute (incremental runs), or none for all. #}
{% macro latest_values(relation, key, attributes, order, scope=none) -%}
    select
            {{ key }},
            {%- for a in attributes %}
            {{ govlake.latest_value(a, '_order') }} as {{ a }},
            {{ govlake.latest_where('_batch', '_order', a ~ '__starts') }} as {{ a }}__batch,
            max(_order) filter (where {{ a }}__starts) as {{ a }}__order{{ ',' if not loop.last }}
            {%- endfor %}
        from (
            -- a value starts a run where it differs from the key's previous non-blank value
            select
                {{ key }},
                _batch,
                {{ govlake.order_key(order) }} as _order,
                {%- for a in attributes %}
                {{ a }},
                {{ a }} is not null and {{ a }} is distinct from {{ govlake.lag_ignore_nulls(a, 'per_key') }} as {{ a }}__starts{{ ',' if not loop.last }}
                {%- endfor %}
            from {{ relation }}
            where {{ key }} is not null
            {%- if scope %}
              and {{ key }} in (select {{ key }} from {{ scope }})
            {%- endif %}
            window per_key as (partition by {{ key }} order by {{ govlake.order_key(order) }})
        ) as runs
        group by {{ key }}
{%- endmacro %}
