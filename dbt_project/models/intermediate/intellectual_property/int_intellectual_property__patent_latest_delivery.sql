-- 专利 — one row per patent application: its latest record across 市场监管's incremental
-- deliveries (the newest batch, then the newest ingestion, file and row).

select *
from {{ ref('stg_scjg__patent') }}
qualify row_number() over (
    partition by application_no
    order by _batch desc, _ingested_at desc, _file desc, _row_no desc) = 1
