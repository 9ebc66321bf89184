-- The rules with the most failing rows over the current results of every batch
-- (quality.rule_results holds each batch's latest check), with their department, messages
-- and dimension; all departments', or one department's ($department).
SELECT r.rule_id, s.department, r.source_id, r.dimension, d.dimension_zh, r.severity,
       q.message_zh, q.message_en,
       sum(r.failed) AS failed, sum(r.checked) AS checked,
       count(*) FILTER (WHERE r.failed > 0) AS batches_failing,
       100.0 * (sum(r.checked) - least(sum(r.failed), sum(r.checked))) / nullif(sum(r.checked), 0) AS score
FROM quality.rule_results AS r
JOIN {{ sources }} AS s USING (source_id)
LEFT JOIN quality.rules AS q USING (rule_id)
LEFT JOIN quality.dimensions AS d ON d.dimension = r.dimension
{% if one_department %}WHERE s.department = $department
{% endif -%}
GROUP BY ALL
HAVING sum(r.failed) > 0
ORDER BY failed DESC, r.rule_id
LIMIT $limit
