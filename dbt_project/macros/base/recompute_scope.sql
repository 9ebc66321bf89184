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
    {#- (source id, model) of every staging model the observations read -#}
    {%- set sources = {'gaj.household_register': 'stg_gaj__household_register',
                       'dsj.e_licence': 'stg_dsj__e_licence', 'swj.taxpayer': 'stg_swj__taxpayer'} -%}
    {%- for copy in govlake.name_copies() + var('active_after_death') -%}
        {%- do sources.update({copy.source: copy.model}) -%}
    {%- endfor -%}
    {%- set restaged -%}
        {%- for sid, model in sources.items() %}
        select distinct '{{ sid }}|' || _batch from {{ ref(model) }} where _staged_at > {{ govlake.watermark() }}
        {%- if not loop.last %} union{% endif %}
        {%- endfor %}
    {%- endset -%}
    {{ govlake.delete_before_recompute("entity_id in (" ~ govlake.golden_entities_rewritten() ~ ")
       or other_source || '|' || _batch in (" ~ restaged ~ ")") }}
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
    {{ govlake.delete_before_recompute("household_no in (" ~ govlake.households_touched() ~ ")") }}
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
    {{ govlake.codes_in_redelivered(ref('stg_dsj__e_licence'), 'licence_id', 'holder_code') }}
    union
    select subject_{{ suffix }} from ({{ govlake.staged_since_last_run(ref('base_public_credit__decision')) }})
    where subject_{{ suffix }} is not null
    union
    {{ govlake.codes_in_redelivered(ref('stg_xyzx__double_publicity'), 'decision_no', 'subject_code') }}
    union
    {{ govlake.codes_in_redelivered(ref('stg_scjg__patent'), 'application_no', 'applicant_code') }}
{%- endmacro %}




{# Pre-hook of a model of findings over full-snapshot records (`snapshots`): a new snapshot
   clears the model (every finding is recomputed); otherwise the findings whose `column`
   is in `scope` (a query) go, to be recomputed. #}
{% macro clear_findings_for_recompute(snapshots, column, scope) -%}
    {{ govlake.delete_before_recompute(column ~ " in (" ~ scope ~ ")" if govlake.no_new_snapshot(snapshots) else "true") }}
{%- endmacro %}


{# Pre-hook of an incremental model derived from a full snapshot: a new snapshot of
   `relation` replaces everything the model holds (rows of keys the snapshot dropped
   included), so the stored rows go before the model recomputes them all. #}
{% macro clear_on_new_snapshot(relation) -%}
    {{ govlake.delete_before_recompute("false" if govlake.no_new_snapshot([relation]) else "true") }}
{%- endmacro %}


{# The pre-hook mechanism of the models above: on an incremental run, delete the stored
   rows matching `condition` (they are about to be recomputed); nothing otherwise. #}
{% macro delete_before_recompute(condition) -%}
    {%- if execute and is_incremental() and condition != 'false' -%}
    delete from {{ this }} where {{ condition }}
    {%- else -%}
    select 1
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


{# Every `code` any delivery of a record (`key`) of `relation` named, for the records
   delivered again since the model last ran: a holder, subject or applicant the record
   moved away from is recounted as well as the new one. #}
{% macro codes_in_redelivered(relation, key, code) -%}
    select {{ code }} from {{ relation }}
    where {{ key }} in (select {{ key }} from ({{ govlake.staged_since_last_run(relation) }}))
{%- endmacro %}
