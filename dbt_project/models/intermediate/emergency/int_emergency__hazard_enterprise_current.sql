-- 危险化学品企业 — the supervision list now: 应急 delivers full snapshots, so the newest
-- batch alone is the list. One row per enterprise; a key delivered twice in the snapshot
-- counts once, the last row delivered standing for it.

select s.*
from {{ ref('stg_yjj__hazard_enterprise') }} as s
where s._batch = (select max(_batch) from {{ ref('stg_yjj__hazard_enterprise') }})
qualify row_number() over (partition by s.uscc order by s._file desc, s._row_no desc) = 1
