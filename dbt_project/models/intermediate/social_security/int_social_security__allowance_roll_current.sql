-- 低保 — the roll now: 民政 delivers full snapshots, so the newest batch alone is the roll.
-- One row per person and start date (a person may have an ended entry and a current one);
-- a key delivered twice in the snapshot counts once, the last row delivered standing for it.

select s.*
from {{ ref('stg_mzj__subsistence_allowance') }} as s
where s._batch = (select max(_batch) from {{ ref('stg_mzj__subsistence_allowance') }})
qualify row_number() over (
    partition by s.id_no, s.start_date order by s._file desc, s._row_no desc) = 1
