{# Incremental scope of base_conflicts__observation. An observation compares one delivered
   record with the current golden value of the entity its code finds, so it can change
   only when the record is (re)staged or the entity's golden row is rewritten. An
   incremental run therefore deletes the observations of re-staged batches and of
   rewritten entities (pre-hook) and appends those recomputed from the records staged
   since the last run and from every record of a rewritten entity. #}

{# Golden entities (persons, enterprises) rewritten since the model last ran. #}
{% macro golden_entities_rewritten() -%}
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
    where entity_id in ({{ govlake.golden_entities_rewritten() }})
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


{# ` and <column> in (select entity_id from scope)` when `scoped`, else nothing. #}
{% macro in_scope(column, scoped) -%}
    {%- if scoped %} and {{ column }} in (select entity_id from scope){% endif -%}
{%- endmacro %}


{# Entities (kind: person | enterprise) whose 一人一档 / 一企一档 row can differ since the
   profile last ran, when no new snapshot arrived: their golden row was rewritten; (persons)
   their household was; a licence, 双公示 decision or patent of theirs was delivered —
   every holder, subject or applicant any delivery of that licence, decision or
   application named, so one that moved to another holder is recounted for both. #}
{% macro profile_entities_touched(kind) -%}
    {%- set person = kind == 'person' -%}
    {%- set golden = ref('base_population__person') if person else ref('base_legal_entity__enterprise') -%}
    {%- set suffix = 'person_id' if person else 'uscc' -%}
    select {{ 'person_id' if person else 'enterprise_id' }} as entity_id
    from ({{ govlake.staged_since_last_run(golden) }})
    {%- if person %}
    union
    select person_id from {{ golden }}
    where household_no in (
        select household_no from ({{ govlake.staged_since_last_run(ref('base_population__household')) }}))
    {%- endif %}
    union
    select holder_{{ suffix }} from ({{ govlake.staged_since_last_run(ref('base_e_licence__licence')) }})
    where holder_{{ suffix }} is not null
    union
    select holder_code from {{ ref('stg_dsj__e_licence') }}
    where licence_id in (select licence_id from ({{ govlake.staged_since_last_run(ref('stg_dsj__e_licence')) }}))
    union
    select subject_{{ suffix }} from ({{ govlake.staged_since_last_run(ref('base_public_credit__decision')) }})
    where subject_{{ suffix }} is not null
    union
    select subject_code from {{ ref('stg_xyzx__double_publicity') }}
    where decision_no in (select decision_no from ({{ govlake.staged_since_last_run(ref('stg_xyzx__double_publicity')) }}))
    union
    select applicant_code from {{ ref('stg_scjg__patent') }}
    where application_no in (select application_no from ({{ govlake.staged_since_last_run(ref('stg_scjg__patent')) }}))
{%- endmacro %}


{# True when none of `relations` (full snapshots) has rows since the model last ran:
   then the model may recompute only a scope of entities. #}
{% macro no_new_snapshot(relations) -%}
    {%- if not is_incremental() -%}{{ return(false) }}{%- endif -%}
    {%- for r in relations -%}
        {%- if govlake.has_rows_since_last_run(r) -%}{{ return(false) }}{%- endif -%}
    {%- endfor -%}
    {{ return(true) }}
{%- endmacro %}



{# Pre-hook of a model of findings over full-snapshot records (`snapshots`): a new snapshot
   clears the model (every finding is recomputed); otherwise the findings whose `column`
   is in `scope` (a query) go, to be recomputed. #}
{% macro clear_findings_for_recompute(snapshots, column, scope) -%}
    {%- if not (execute and is_incremental()) -%}
    select 1
    {%- elif not govlake.no_new_snapshot(snapshots) -%}
    delete from {{ this }}
    {%- else -%}
    delete from {{ this }} where {{ column }} in ({{ scope }})
    {%- endif -%}
{%- endmacro %}


{# Persons whose social-security findings can change without a new snapshot: their
   golden row was rewritten, or that of an employer one of their 社保 records names. #}
{% macro social_security_persons_touched() -%}
    {{ govlake.golden_entities_rewritten() }}
    union
    select id_no from {{ ref('stg_rsj__social_insurance') }}
    where employer_uscc in ({{ govlake.golden_entities_rewritten() }})
{%- endmacro %}
