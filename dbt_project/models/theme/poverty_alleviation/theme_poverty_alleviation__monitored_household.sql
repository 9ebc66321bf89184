-- 精准扶贫·防止返贫监测户 — one row per household head and year in 乡村振兴's latest
-- monitoring snapshot: the head's golden record and registered household, the 低保 and
-- social insurance of the household's living members, income per capita, and risk flags.

{{ config(materialized='table') }}

{#- 年人均纯收入 (yuan) under which a monitored household is flagged for income risk. Basis:
    the 防止返贫监测范围 (中央农办、国家乡村振兴局《关于完善防止返贫动态监测和帮扶机制的指导意见》,
    2021) is set each year at about 1.5 times the poverty line; the national figure for
    2022 was 6,600 yuan. Set it to the province's published line for the year monitored
    (dbt_project.yml vars or --vars). -#}
{%- set income_threshold = var('poverty_income_threshold') -%}
{#- each flag is a reason to look at the household again; risk_flag_count adds them up -#}
{%- set flags = {
    'flag_risk_not_cleared': "coalesce(mh.risk_cleared = '否', false)",
    'flag_income_below_threshold': 'coalesce(mh.income_per_capita < ' ~ income_threshold ~ ', false)',
    'flag_hardship_without_allowance':
        "coalesce(mh.monitor_type = '突发严重困难户' and coalesce(s.members_on_allowance, 0) = 0, false)",
    'flag_head_deceased': 'coalesce(p.is_deceased, false)',
} %}

-- a full snapshot: the latest batch is the monitoring list now, one row per head and year
with monitored as (

    select * from {{ ref('int_poverty_alleviation__monitored_household_current') }}

),

persons as (

    select person_id, name, gender, birth_date, household_no, region_code, death_date,
           is_registered, is_deceased
    from {{ ref('base_population__person') }}

),

-- the living members of the head's registered household (the living head alone when
-- 公安 knows no household)
members as (

    select distinct heads.head_id_no, m.person_id
    from (select distinct head_id_no from monitored) as heads
    inner join persons as h on h.person_id = heads.head_id_no
    inner join persons as m on m.household_no = h.household_no
    where not m.is_deceased

    union

    select distinct mh.head_id_no, mh.head_id_no as person_id
    from monitored as mh
    left join persons as h on h.person_id = mh.head_id_no
    where not coalesce(h.is_deceased, false)

),

allowance as (

    select person_id, sum(monthly_amount) as monthly_amount
    from {{ ref('theme_social_security__allowance') }}
    where is_active
    group by person_id

),

coverage as (

    select person_id, is_paying
    from {{ ref('theme_social_security__coverage') }}

),

support as (

    select
        m.head_id_no,
        count(distinct a.person_id) as members_on_allowance,
        sum(a.monthly_amount) as allowance_monthly_total,
        count(distinct c.person_id) as members_insured,
        count(distinct case when c.is_paying then c.person_id end) as members_paying
    from members as m
    left join allowance as a on a.person_id = m.person_id
    left join coverage as c on c.person_id = m.person_id
    group by m.head_id_no

),

households as (

    select household_no, member_count, living_member_count, region_code
    from {{ ref('base_population__household') }}

),

regions as (

    select code, name from {{ ref('gbt2260_regions') }}

)

select
    -- ids
    mh.head_id_no as head_person_id,
    mh.year,

    -- head (golden record)
    p.name as head_name,
    mh.head_name as monitored_head_name,
    p.gender as head_gender,
    p.birth_date as head_birth_date,
    coalesce(p.is_registered, false) as head_in_population,
    coalesce(p.is_deceased, false) as head_is_deceased,
    p.death_date as head_death_date,

    -- household (golden)
    p.household_no,
    h.member_count as household_member_count,
    h.living_member_count as household_living_member_count,
    mh.household_size,

    -- region: the county 乡村振兴 monitors it in; the registered one when blank
    coalesce(mh.region_code, h.region_code, p.region_code) as region_code,
    r.name as region_name,

    -- monitoring
    -- codes off the list say nothing: NULL, a finding of the quality layer
    case when mh.monitor_type in ('脱贫不稳定户', '边缘易致贫户', '突发严重困难户') then mh.monitor_type end
        as monitor_type,
    case when mh.risk_cleared in ('是', '否') then mh.risk_cleared end as risk_cleared,
    mh.income_per_capita,

    -- support of the living members
    coalesce(s.members_on_allowance, 0) as members_on_allowance,
    cast(coalesce(s.allowance_monthly_total, 0) as decimal(18, 6)) as allowance_monthly_total,
    coalesce(s.members_insured, 0) as members_insured,
    coalesce(s.members_paying, 0) as members_paying,

    -- risk flags
    {%- for flag, expr in flags.items() %}
    {{ expr }} as {{ flag }},
    {%- endfor %}
    {% for expr in flags.values() -%}
    cast({{ expr }} as integer){% if not loop.last %} + {% endif %}
    {%- endfor %} as risk_flag_count,
    cast({{ income_threshold }} as decimal(18, 6)) as income_threshold,

    -- lineage
    mh._batch,
    mh._file,
    mh._row_no

from monitored as mh
left join persons as p on p.person_id = mh.head_id_no
left join households as h on h.household_no = p.household_no
left join support as s on s.head_id_no = mh.head_id_no
left join regions as r on r.code = coalesce(mh.region_code, h.region_code, p.region_code)
