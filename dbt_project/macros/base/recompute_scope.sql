{# Incremental scope of base_conflicts__observation. An observation compares one delivered
   record with the current golden value of the entity its code finds, so it can change
   only when the record is (re)staged or the entity's golden row is rewritten. An
   incremental run therefore deletes the observations of re-staged batches and of
   rewritten entities (pre-hook) and appends those recomputed from the records staged
   since the last run and from every record of a rewritten entity. #}

{# Golden entities (persons, enterprises) rewritten since the model last ran. #}
{% macro conflict_touched_entities() -%}
    select person_id as entity_id from ({{ govlake.staged_since_last_run(ref('base_population__person')) }})
    union
    select uscc from ({{ govlake.staged_since_last_run(ref('base_legal_entity__enterprise')) }})
    where uscc is not null
{%- endmacro %}

{# (source id, model) of every staging model the observations read. #}
{% macro conflict_sources() -%}
    {%- set sources = {'gaj.household_register': 'stg_gaj__household_register',
                       'dsj.e_licence': 'stg_dsj__e_licence', 'swj.taxpayer': 'stg_swj__taxpayer'} -%}
    {%- for copy in var('name_copies') + var('active_after_death') -%}
        {%- do sources.update({copy.source: copy.model}) -%}
    {%- endfor -%}
    {{- return(sources) -}}
{%- endmacro %}

{# Which of a staging model's records an incremental run reads: those staged since the
   last run and those whose code names a rewritten entity (`code`: the column). #}
{% macro conflict_records(alias, code) -%}
    {%- if is_incremental() -%}
    ({{ alias }}._staged_at > {{ govlake.watermark() }}
     or {{ alias }}.{{ code }} in (select entity_id from touched_entities))
    {%- else -%}
    true
    {%- endif -%}
{%- endmacro %}

{# Pre-hook: drop the observations the run recomputes. #}
{% macro conflict_clear_recomputed() -%}
    {%- if execute and is_incremental() -%}
    delete from {{ this }}
    where entity_id in ({{ govlake.conflict_touched_entities() }})
       or other_source || '|' || _batch in (
        {%- for sid, model in govlake.conflict_sources().items() %}
        select distinct '{{ sid }}|' || _batch from {{ ref(model) }} where _staged_at > {{ govlake.watermark() }}
        {%- if not loop.last %} union{% endif %}
        {%- endfor %})
    {%- else -%}
    select 1
    {%- endif -%}
{%- endmacro %}


{# Households whose members' golden rows were rewritten since base_population__household
   last ran: the household each such person is in now and any they were in before. #}
{% macro households_touched() -%}
    select household_no from ({{ govlake.staged_since_last_run(ref('base_population__person')) }})
    where household_no is not null
    union
    select household_no from {{ ref('base_population__person_history') }}
    where household_no is not null
      and person_id in (select person_id from ({{ govlake.staged_since_last_run(ref('base_population__person')) }}))
{%- endmacro %}

{% macro household_clear_recomputed() -%}
    {%- if execute and is_incremental() -%}
    delete from {{ this }} where household_no in ({{ govlake.households_touched() }})
    {%- else -%}
    select 1
    {%- endif -%}
{%- endmacro %}
