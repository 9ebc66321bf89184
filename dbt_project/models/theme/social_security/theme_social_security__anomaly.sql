-- 社会保障·数据异常 — one row per finding in a delivered social-security record (every
-- snapshot, not only the latest, so a finding's history shows): the source, batch and
-- record key, the rule and its GB/T 36344 dimension, the person (and employer) concerned.
--   dead_person_paid                   在保 (低保) or 参保缴费 (社保) in a snapshot dated after
--                                      the person's golden death date (卫健)
--   allowance_person_not_in_population 低保 paid to a person 公安 has no household record of
--   invalid_employer                   an employee insurance type (110/210/310/410) whose
--                                      employer is blank, not a valid USCC, unknown to or
--                                      unregistered in the legal-entity library, or struck
--                                      off while contributions are still paid

{{ config(
    materialized='incremental',
    incremental_strategy='append',
    pre_hook="{{ govlake.clear_findings_for_recompute([ref('stg_rsj__social_insurance'), ref('stg_mzj__subsistence_allowance')], 'person_id', govlake.social_security_persons_touched()) }}",
    meta={'tests_on_rows_written_this_run': true},
) }}

{%- set employee_types = ['110', '210', '310', '410'] -%}
{#- Incremental: a new 人社 or 低保 snapshot recomputes every finding (is_latest_batch moves);
    otherwise only the records of the persons whose golden row, or whose employer's, was
    rewritten (macros/base/recompute_scope.sql) -#}
{%- set scoped = govlake.no_new_snapshot([ref('stg_rsj__social_insurance'), ref('stg_mzj__subsistence_allowance')]) %}

with
{%- if scoped %}
touched_persons as (

    {{ govlake.social_security_persons_touched() }}

),
{%- endif %}

persons as (

    select person_id, death_date, is_registered
    from {{ ref('base_population__person') }}

),

-- joined on uscc: the code 市场监管 registered (an enterprise known only to 税务 is no
-- valid employer either)
enterprises as (

    select uscc, status, is_registered, is_struck_off
    from {{ ref('base_legal_entity__enterprise') }}
    where uscc is not null

),

insurance as (

    select *, id_no || '|' || insurance_type as record_key
    from {{ ref('stg_rsj__social_insurance') }}
    {%- if scoped %}
    where id_no in (select entity_id from touched_persons)
    {%- endif %}

),

allowance as (

    select *, id_no || '|' || cast(start_date as string) as record_key
    from {{ ref('stg_mzj__subsistence_allowance') }}
    {%- if scoped %}
    where id_no in (select entity_id from touched_persons)
    {%- endif %}

),

-- the rule of both registry entries: an active status is wrong once the person has died
-- before the snapshot date (the batch is the snapshot's date, the first of its month)
dead_person_paid as (

    select
        'rsj.social_insurance' as source_id,
        i._batch,
        i.record_key,
        'dead_person_paid' as rule,
        'consistency.dead_person_paid.rsj.social_insurance.status' as rule_id,
        '一致性' as dimension,
        i.id_no as person_id,
        i.employer_uscc,
        'status=' || i.status || ' death_date=' || cast(p.death_date as string) as detail,
        i._file,
        i._row_no
    from insurance as i
    inner join persons as p on p.person_id = i.id_no
    where i.status = '1' and p.death_date < cast(i._batch as date)

    union all

    select
        'mzj.subsistence_allowance',
        a._batch,
        a.record_key,
        'dead_person_paid',
        'consistency.dead_person_paid.mzj.subsistence_allowance.status',
        '一致性',
        a.id_no,
        cast(null as string),
        'status=' || a.status || ' death_date=' || cast(p.death_date as string),
        a._file,
        a._row_no
    from allowance as a
    inner join persons as p on p.person_id = a.id_no
    where a.status = '在保' and p.death_date < cast(a._batch as date)

),

-- "in the population library" = 公安 holds a household record of the person (the golden
-- record may know a person only from a death record or a marriage registration)
allowance_person_not_in_population as (

    select
        'mzj.subsistence_allowance' as source_id,
        a._batch,
        a.record_key,
        'allowance_person_not_in_population' as rule,
        'consistency.person_in_population.mzj.subsistence_allowance.id_no' as rule_id,
        '一致性' as dimension,
        a.id_no as person_id,
        cast(null as string) as employer_uscc,
        case when p.person_id is null then 'no_person_record' else 'no_household_register_record' end as detail,
        a._file,
        a._row_no
    from allowance as a
    left join persons as p on p.person_id = a.id_no
    where not coalesce(p.is_registered, false)

),

employer_checks as (

    select
        i.*,
        case
            when i.employer_uscc is null then 'missing'
            when i.employer_uscc_flag in ('bad_check_digit', 'bad_format') then 'bad_uscc:' || i.employer_uscc_flag
            when e.uscc is null then 'not_in_legal_entity_library'
            when not e.is_registered then 'not_registered'
            -- a struck-off employer is normal history for ended cover; paying through one is not
            when e.is_struck_off and i.status = '1' then 'struck_off:' || e.status
        end as problem
    from insurance as i
    left join enterprises as e on e.uscc = i.employer_uscc
    where i.insurance_type in ('{{ employee_types | join("', '") }}')

),

invalid_employer as (

    select
        'rsj.social_insurance' as source_id,
        _batch,
        record_key,
        'invalid_employer' as rule,
        case when problem = 'missing'
             then 'completeness.employer_required.rsj.social_insurance.employer_uscc'
             else 'consistency.employer_in_legal_entity.rsj.social_insurance.employer_uscc'
        end as rule_id,
        case when problem = 'missing' then '完整性' else '一致性' end as dimension,
        id_no as person_id,
        employer_uscc,
        problem as detail,
        _file,
        _row_no
    from employer_checks
    where problem is not null

),

findings as (

    select * from dead_person_paid
    union all
    select * from allowance_person_not_in_population
    union all
    select * from invalid_employer

),

-- a key delivered twice in one batch is one finding, located at its first row
deduplicated as (

    select *
    from findings
    qualify row_number() over (
        partition by source_id, _batch, record_key, rule order by _file, _row_no) = 1

),

latest_batches as (

    select 'rsj.social_insurance' as source_id, max(_batch) as latest_batch
    from {{ ref('stg_rsj__social_insurance') }}
    union all
    select 'mzj.subsistence_allowance', max(_batch)
    from {{ ref('stg_mzj__subsistence_allowance') }}

)

select
    -- ids
    {{ dbt.concat(['d.source_id', "'|'", 'd._batch', "'|'", 'd.record_key', "'|'", 'd.rule']) }} as finding_id,
    d.source_id,
    d.record_key,

    -- rule
    d.rule,
    d.rule_id,
    d.dimension,
    d.detail,

    -- subjects
    d.person_id,
    d.employer_uscc,

    -- lineage
    d._batch = b.latest_batch as is_latest_batch,
    d._batch,
    d._file,
    d._row_no,
    {{ govlake.run_timestamp() }} as _staged_at

from deduplicated as d
inner join latest_batches as b using (source_id)
