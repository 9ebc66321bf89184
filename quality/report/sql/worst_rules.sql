-- The rules with the most failing rows in the open-findings scope (the current data's rule
-- results, `current`: rows failed = rows with an open finding), with their department,
-- messages and dimension, the share of the rows checked they affect, and how many of their
-- findings are new since the batch before; all departments', or one department's ($department).
-- Ordered by failing rows, or by the share affected when $order = 'share'.
WITH n AS (
    SELECT rule_id, count(*) AS new_findings FROM quality.findings WHERE status = 'new' GROUP BY rule_id
)
SELECT r.rule_id, s.department, r.source_id, r.dimension, d.dimension_zh, r.severity,
       q.message_zh, q.message_en,
       sum(r.failed) AS failed, sum(r.checked) AS checked,
       count(*) FILTER (WHERE r.failed > 0) AS batches_failing,
       100.0 * (sum(r.checked) - least(sum(r.failed), sum(r.checked))) / nullif(sum(r.checked), 0) AS score,
       least(sum(r.failed), sum(r.checked)) / nullif(sum(r.checked), 0) AS share,
       coalesce(max(n.new_findings), 0) AS new_findings
FROM ({{ current }}) AS r
JOIN {{ sources }} AS s USING (source_id)
LEFT JOIN quality.rules AS q USING (rule_id)
LEFT JOIN quality.dimensions AS d ON d.dimension = r.dimension
LEFT JOIN n USING (rule_id)
{% if one_department %}WHERE s.department = $department
{% endif -%}
GROUP BY ALL
HAVING sum(r.failed) > 0
ORDER BY {{ 'share DESC, failed DESC' if order == 'share' else 'failed DESC, share DESC' }}, r.rule_id
LIMIT $limit
