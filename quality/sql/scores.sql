-- GB/T 36344 scores (docs/quality-dimensions.md#scores) from rule results, on 0-100.
--   rule       passed / checked                      (passed = checked - failed, never below 0)
--   dimension  of a source: mean of its rules' scores weighted by rows checked,
--              i.e. sum(passed) / sum(checked) over the rules of that dimension;
--              of a department: the same over all rules of its sources
--   overall    weighted mean of the dimension scores with the weights of quality.dimensions
--              (规范性 20, 完整性 20, 准确性 25, 一致性 20, 时效性 10, 可访问性 5); a dimension
--              that checked nothing has no score and is left out, the other weights renormalised
--              (sum(weight * score) / sum(weight) over the dimensions present).
-- Rules that checked nothing (checked = 0) are left out: a rule result with nothing checked
-- has no pass rate.
-- selection: the rule results to score (source_id, batch, dept_batch, keep_source,
-- dimension, checked, failed): source rows where keep_source, department rows grouped on
-- dept_batch; departments: (source_id, department); weights: (dimension, weight).
WITH rr AS (
    SELECT r.source_id, d.department, r.batch, r.dept_batch, r.keep_source, r.dimension, r.checked,
           r.checked - greatest(r.checked - r.failed, 0) AS failed
    FROM ({{ selection }}) AS r
    JOIN {{ departments }} AS d USING (source_id)
    WHERE r.checked > 0
),
by_dimension AS (
    SELECT 'source' AS level, source_id, department, batch, dimension,
           sum(checked) AS checked, sum(failed) AS failed
    FROM rr WHERE keep_source GROUP BY source_id, department, batch, dimension
    UNION ALL
    SELECT 'department', NULL, department, dept_batch, dimension, sum(checked), sum(failed)
    FROM rr GROUP BY department, dept_batch, dimension
),
scored AS (
    SELECT *, 100.0 * (checked - failed) / checked AS score FROM by_dimension
)
SELECT level, source_id, department, batch, dimension, checked, failed, score
FROM scored
UNION ALL
SELECT s.level, s.source_id, s.department, s.batch, 'overall',
       sum(s.checked), sum(s.failed),
       sum(w.weight * s.score) / sum(w.weight)
FROM scored AS s JOIN {{ weights }} AS w USING (dimension)
GROUP BY s.level, s.source_id, s.department, s.batch
