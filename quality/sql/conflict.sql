-- A 一数一源 rule's failing rows: dbt's base.base_conflicts__observation holds one row per
-- delivered record whose copy disagrees with the golden value (checked against the
-- generator's truth: precision and recall 1.0). Joined back to the staged row for the
-- record key as delivered. Parameters: params.conflict (the observation's rule).
SELECT s._batch, s._file, s._row_no, {{ record_key }} AS record_key,
       {{ masked(column, 'o.other_value') }} AS observed,
       'golden ' || o.authoritative_source || ': ' || coalesce({{ masked(column, 'o.authoritative_value') }}, '') AS detail
FROM base.base_conflicts__observation AS o
JOIN {{ relation }} AS s
  ON s._batch = o._batch AND s._file = o._file AND s._row_no = o._row_no
WHERE o.rule = '{{ params.conflict }}'
  AND o.other_source = '{{ source.id }}'
  AND o.other_column = '{{ column }}'
  AND o._batch IN ({batches})
  AND s._batch IN ({batches})
