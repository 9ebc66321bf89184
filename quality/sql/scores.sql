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
--   rejected   files rejected whole were never read, so no rule checked their rows: 可访问性
--              (accessibility) and 完整性 (completeness) are multiplied by (1 - rejected share),
--              the share of the delivered bytes that was rejected (1 when nothing loaded). A
--              dimension with no rule result then scores 100 * (1 - share). A department's share
--              pools the bytes of its sources' batches in scope, as its dimensions pool rows.
-- selection: the rule results to score (source_id, batch, src_batch, dept_batch, keep_source,
-- dimension, checked, failed): source rows where keep_source, grouped on src_batch (a source's
-- current score pools the batches of its current data), department rows grouped on dept_batch; departments: (source_id, department); weights: (dimension, weight);
-- deliveries: (source_id, batch, bytes, rejected_share), quality.deliveries.
WITH selected AS (
    SELECT r.*, d.department
    FROM ({{ selection }}) AS r
    JOIN {{ departments }} AS d USING (source_id)
),
rr AS (
    SELECT source_id, department, batch, src_batch, dept_batch, keep_source, dimension, checked,
           checked - greatest(checked - failed, 0) AS failed
    FROM selected
    WHERE checked > 0
),
scope AS (
    SELECT s.source_id, s.department, s.batch, s.src_batch, s.dept_batch, s.keep_source,
           coalesce(v.bytes, 0) AS bytes, coalesce(v.rejected_share, 0) AS share
    FROM (SELECT DISTINCT source_id, department, batch, src_batch, dept_batch, keep_source FROM selected) AS s
    LEFT JOIN {{ deliveries }} AS v USING (source_id, batch)
),
shares AS (
    -- bytes say nothing when every batch in scope delivered none: then the mean share
    SELECT 'source' AS level, source_id, department, src_batch AS batch,
           coalesce(sum(share * bytes) / nullif(sum(bytes), 0), avg(share)) AS share
    FROM (SELECT DISTINCT source_id, department, batch, src_batch, bytes, share FROM scope WHERE keep_source)
    GROUP BY source_id, department, src_batch
    UNION ALL
    SELECT 'department', NULL, department, dept_batch,
           coalesce(sum(share * bytes) / nullif(sum(bytes), 0), avg(share))
    FROM (SELECT DISTINCT source_id, department, batch, dept_batch, bytes, share FROM scope)
    GROUP BY department, dept_batch
),
by_dimension AS (
    SELECT level, source_id, department, batch, dimension, sum(checked) AS checked, sum(failed) AS failed
    FROM (
        SELECT 'source' AS level, source_id, department, src_batch AS batch, dimension, checked, failed
        FROM rr WHERE keep_source
        UNION ALL
        SELECT 'department', NULL, department, dept_batch, dimension, checked, failed FROM rr
        UNION ALL  -- the dimensions a rejected file lowers, also where no rule checked anything
        SELECT level, source_id, department, batch, unnest(['accessibility', 'completeness']), 0, 0
        FROM shares WHERE share > 0
    )
    GROUP BY level, source_id, department, batch, dimension
),
scored AS (
    SELECT b.*, s.share AS rejected_share,
           (CASE WHEN b.checked > 0 THEN 100.0 * (b.checked - b.failed) / b.checked ELSE 100.0 END)
           * (CASE WHEN b.dimension IN ('accessibility', 'completeness') THEN 1 - coalesce(s.share, 0) ELSE 1 END)
           AS score
    FROM by_dimension AS b
    LEFT JOIN shares AS s
        ON s.level = b.level AND s.source_id IS NOT DISTINCT FROM b.source_id
       AND s.department = b.department AND s.batch = b.batch
)
SELECT level, source_id, department, batch, dimension, checked, failed, score, coalesce(rejected_share, 0) AS rejected_share
FROM scored
UNION ALL
SELECT s.level, s.source_id, s.department, s.batch, 'overall',
       sum(s.checked), sum(s.failed),
       sum(w.weight * s.score) / sum(w.weight),
       coalesce(max(s.rejected_share), 0)
FROM scored AS s JOIN {{ weights }} AS w USING (dimension)
GROUP BY s.level, s.source_id, s.department, s.batch
