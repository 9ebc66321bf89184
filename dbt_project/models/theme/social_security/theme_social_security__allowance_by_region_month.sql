-- 社会保障·低保金按区县和月份汇总 — one row per county and month over every 低保 snapshot
-- 民政 delivered: persons 在保, the monthly amount paid to them, and what of it went to
-- persons dead before the snapshot date (卫健's golden death date).

{{ config(materialized='table') }}

with batches as (

    select distinct _batch, substr(_batch, 1, 7) as month
    from {{ ref('stg_mzj__subsistence_allowance') }}

),

-- a month delivered twice (a late or repeated snapshot): its last snapshot stands for it
month_batches as (

    select month, max(_batch) as _batch
    from batches
    group by month

),

roll as (

    select s.*, m.month
    from {{ ref('stg_mzj__subsistence_allowance') }} as s
    inner join month_batches as m on m._batch = s._batch
    qualify row_number() over (
        partition by s._batch, s.id_no, s.start_date order by s._file desc, s._row_no desc) = 1

),

persons as (

    select person_id, region_code, death_date
    from {{ ref('base_population__person') }}

),

-- the administering county, else the person's registered one; an entry with neither
-- belongs to no county
located as (

    select
        coalesce(a.region_code, p.region_code) as region_code,
        a.month,
        a._batch,
        a.id_no,
        a.status,
        a.monthly_amount,
        coalesce(p.death_date < cast(a._batch as date), false) as is_dead_before_batch
    from roll as a
    left join persons as p on p.person_id = a.id_no

),

regions as (

    select code, name from {{ ref('gbt2260_regions') }}

)

select
    -- ids
    l.region_code,
    r.name as region_name,
    l.month,

    -- allowance
    count(distinct case when l.status = '在保' then l.id_no end) as recipients,
    cast(coalesce(sum(case when l.status = '在保' then l.monthly_amount end), 0) as decimal(18, 6)) as amount_total,
    cast(avg(case when l.status = '在保' then l.monthly_amount end) as decimal(18, 6)) as amount_average,
    count(distinct case when l.status = '在保' and l.is_dead_before_batch then l.id_no end) as recipients_deceased,
    cast(coalesce(sum(case when l.status = '在保' and l.is_dead_before_batch then l.monthly_amount end), 0)
         as decimal(18, 6)) as amount_to_deceased,
    count(case when l.status = '停保' then 1 end) as entries_stopped,

    -- lineage
    max(l._batch) as _batch

from located as l
left join regions as r on r.code = l.region_code
where l.region_code is not null
group by l.region_code, r.name, l.month
