-- 参保 — what holds now: 人社 delivers full snapshots, so the newest batch alone says who is
-- covered. One row per person and insurance type; a key delivered twice in the snapshot (a
-- duplicate-key defect) counts once, the last row delivered standing for it.

select s.*
from {{ ref('stg_rsj__social_insurance') }} as s
where s._batch = (select max(_batch) from {{ ref('stg_rsj__social_insurance') }})
qualify row_number() over (
    partition by s.id_no, s.insurance_type order by s._file desc, s._row_no desc) = 1
