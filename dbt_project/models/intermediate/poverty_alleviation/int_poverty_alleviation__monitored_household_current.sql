-- 防返贫监测 — the monitoring list now: 乡村振兴 delivers full snapshots, so the newest batch
-- alone is the list. One row per household head and year; a key delivered twice in the
-- snapshot counts once, the last row delivered standing for it.

select s.*
from {{ ref('stg_xczx__monitored_household') }} as s
where s._batch = (select max(_batch) from {{ ref('stg_xczx__monitored_household') }})
qualify row_number() over (
    partition by s.head_id_no, s.year order by s._file desc, s._row_no desc) = 1
