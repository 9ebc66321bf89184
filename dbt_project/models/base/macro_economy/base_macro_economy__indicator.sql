-- 宏观经济基础库·指标 — one row per figure (indicator_code, region_code, period): its latest
-- value (统计 is the authority for macro figures, and its newest revision wins), the period
-- parsed, how often it was delivered and revised, and on the city's yearly 地区生产总值 (A01)
-- whether the county figures add up to it within 1% (registry rule: flag, never reject).

{{ config(materialized='table') }}

with revisions as (

    select * from {{ ref('base_macro_economy__indicator_revision') }}

),

latest as (

    select * from revisions
    where is_latest

),

figures as (

    select
        indicator_code,
        region_code,
        period,
        count(*) as delivery_count,
        count(*) filter (where value_changed) as revision_count,
        min(_batch) as first_batch,
        -- a blank name in the latest delivery does not erase the name
        {{ govlake.latest_value('indicator_name', govlake.order_key(['_batch', '_ingested_at', '_file', '_row_no'])) }} as indicator_name
    from revisions
    group by indicator_code, region_code, period

),

-- the city and its counties in force today (GB/T 2260 code table); a figure under an
-- unknown code belongs to neither
regions as (

    select code, name, level
    from {{ ref('gbt2260_regions') }}
    where valid_to is null

),

-- the rule "the county values of A01 for a year sum to the city value within 1%"
county_sums as (

    select
        latest.indicator_code,
        latest.period,
        cast(sum(latest.value) as decimal(18, 6)) as county_sum_value,
        count(*) as county_count
    from latest
    inner join regions
        on regions.code = latest.region_code
        and regions.level = 'county'
    where latest.indicator_code = 'A01'
        and latest.period_type = 'year'
    group by latest.indicator_code, latest.period

),

assembled as (

    select
        latest.*,
        figures.delivery_count,
        figures.revision_count,
        figures.first_batch,
        figures.indicator_name as indicator_name_known,
        regions.name as region_name,
        regions.level as region_level,
        case when regions.level = 'city' then county_sums.county_sum_value end as county_sum_value,
        case when regions.level = 'city' then county_sums.county_count end as county_count
    from latest
    inner join figures
        using (indicator_code, region_code, period)
    left join regions
        on regions.code = latest.region_code
    left join county_sums
        on county_sums.indicator_code = latest.indicator_code
        and county_sums.period = latest.period

)

select
    -- ids
    indicator_code,
    region_code,
    period,

    -- strings
    indicator_name_known as indicator_name,
    unit,
    region_name,
    region_level,

    -- period parts
    period_type,
    period_year,
    period_quarter,
    period_month,

    -- numerics
    value,
    -- the value the latest revision replaced (NULL when delivered once)
    previous_value,
    delivery_count,
    revision_count,

    -- county-sum rule, on the city's yearly A01 only (NULL elsewhere)
    county_sum_value,
    county_count,
    cast(round((county_sum_value - value) / nullif(value, 0), 6) as decimal(18, 6)) as county_sum_deviation,
    abs(county_sum_value - value) <= 0.01 * abs(value) as county_sum_agrees,

    -- codes
    region_code_delivered,
    region_code_flag,

    -- lineage
    first_batch,
    _batch as latest_batch,
    _file,
    _row_no,
    _ingested_at
from assembled
