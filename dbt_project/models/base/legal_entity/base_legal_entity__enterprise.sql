-- 法人单位基础库·企业 — one row per enterprise: identity and status from 市场监管 (the
-- latest change record by change time wins), tax status and credit rating from 税务's
-- latest snapshot and rating year. Each attribute is its source's latest non-blank value
-- and carries its source, the batch that delivered the value and that delivery's ordering
-- key (macros/base/golden_record.sql).

{{ config(
    materialized='incremental',
    unique_key='enterprise_id',
    meta={'tests_on_rows_written_this_run': true},
) }}

{#- 一数一源: the attributes each source gives — the source register's decision
    (seeds/source_register.csv); the compile fails if these lists disagree with it -#}
{%- set enterprise_register_attributes = [
    'established_on', 'legal_rep', 'name', 'status', 'uscc',
    'legal_rep_id_no', 'registered_capital', 'address', 'region_code', 'industry_code', 'entity_type', 'changed_at'] %}
{%- set taxpayer_attributes = ['tax_status', 'credit_rating', 'credit_rating_year'] %}
{{- govlake.assert_source_register('legal_entity', {
    'scjg.enterprise_register': enterprise_register_attributes,
    'swj.taxpayer': taxpayer_attributes}) }}
{#- each source's records oldest to newest -#}
{%- set enterprise_register_order = ['_changed_at', '_batch', '_ingested_at', '_row_no'] %}
{%- set taxpayer_order = ['_batch', '_rating_year', '_ingested_at', '_row_no'] %}

-- sqlfluff's duckdb dialect cannot parse IS DISTINCT FROM (how latest_values finds where a
-- value changes); the CTEs the unparsed part reads then look unused
-- noqa: disable=PRS,ST03
with enterprise_register as {{ govlake.not_materialized() }} (

    select
        uscc as enterprise_id,
        uscc,
        name,
        legal_rep_name as legal_rep,
        established_on,
        status,
        legal_rep_id_no,
        registered_capital,
        address,
        region_code,
        industry_code,
        entity_type,
        changed_at,
        -- order: change time (an unreadable one sorts first), then batch and row
        coalesce(changed_at, cast('1900-01-01' as timestamp)) as _changed_at,
        _batch,
        _ingested_at,
        _row_no,
        _staged_at
    from {{ ref('stg_scjg__enterprise_register') }}

),

taxpayer as {{ govlake.not_materialized() }} (

    select
        uscc as enterprise_id,
        tax_status,
        credit_rating,
        rating_year as credit_rating_year,
        coalesce(rating_year, 0) as _rating_year,
        _batch,
        _ingested_at,
        _row_no,
        _staged_at
    from {{ ref('stg_swj__taxpayer') }}

),

{%- if is_incremental() %}
-- the enterprises a record staged since the last run can change; only they are
-- recomputed, from all their records
golden_scope as (

    {{ govlake.golden_keys_changed('enterprise_register', 'enterprise_id', enterprise_register_attributes, enterprise_register_order) }}
    union
    {{ govlake.golden_keys_changed('taxpayer', 'enterprise_id', taxpayer_attributes, taxpayer_order) }}

),
{%- endif %}

-- per enterprise and source: each attribute's latest non-blank value, its batch and order
enterprise_register_latest as (

    {{ govlake.latest_values('enterprise_register', 'enterprise_id', enterprise_register_attributes, enterprise_register_order,
                             scope='golden_scope' if is_incremental()) }}

),

taxpayer_latest as (

    {{ govlake.latest_values('taxpayer', 'enterprise_id', taxpayer_attributes, taxpayer_order,
                             scope='golden_scope' if is_incremental()) }}

),

enterprises as (

    select enterprise_id from enterprise_register_latest
    union
    select enterprise_id from taxpayer_latest

),

golden as (

    select
        enterprises.enterprise_id,
        {#- each attribute from its source's _latest CTE, with its lineage #}
        {%- for cte, source_id, attributes in [('enterprise_register', 'scjg.enterprise_register', enterprise_register_attributes),
                                      ('taxpayer', 'swj.taxpayer', taxpayer_attributes)] %}
        {%- for a in attributes %}
        {{ cte }}_latest.{{ a }},
        '{{ source_id }}' as {{ a }}__source,
        {{ cte }}_latest.{{ a }}__batch,
        {{ cte }}_latest.{{ a }}__order,
        {%- endfor %}
        {%- endfor %}
        {{ govlake.run_timestamp() }} as _staged_at
    from enterprises
    -- ON, not USING: USING would merge a same-named attribute into the key
    left join enterprise_register_latest on enterprise_register_latest.enterprise_id = enterprises.enterprise_id
    left join taxpayer_latest on taxpayer_latest.enterprise_id = enterprises.enterprise_id

)

select
    *,
    -- registered: 市场监管 holds a registration (税务 may know taxpayers it does not)
    uscc is not null as is_registered,
    status in ('注销', '吊销') as is_struck_off
from golden
