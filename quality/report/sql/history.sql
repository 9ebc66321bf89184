-- History a click away: every batch's latest check (quality.violations), per department and
-- batch - findings, blocking findings and the overall score of that batch (quality.scores,
-- the latest run that scored it); or one department's violations row by row ($department,
-- up to $limit, newest batch first), masked as violations.sql masks them.
{% import '_masks.sql' as m with context -%}
{% if one_department -%}
SELECT s.department, v.source_id, v.batch,
       {{ m.masked_key('v.source_id', 'v.column_name', 'v.record_key') }} AS record_key,
       v.column_name, v.rule_id, v.dimension, d.dimension_zh, v.severity,
       r.message_zh, r.message_en, v.observed, v.detail, v._file, v._row_no
FROM quality.violations AS v
JOIN {{ sources }} AS s USING (source_id)
LEFT JOIN quality.rules AS r USING (rule_id)
LEFT JOIN quality.dimensions AS d ON d.dimension = v.dimension
WHERE s.department = $department
ORDER BY v.batch DESC, v.source_id, v._file, v._row_no, v.rule_id, v.column_name
LIMIT $limit
{%- else -%}
WITH v AS (
    SELECT s.department, v.batch, count(*) AS findings, count(*) FILTER (WHERE v.severity = 'blocking') AS blocking
    FROM quality.violations AS v JOIN {{ sources }} AS s USING (source_id)
    GROUP BY ALL
), sc AS (
    SELECT department, batch, score
    FROM quality.scores
    WHERE level = 'department' AND dimension = 'overall'
    QUALIFY row_number() OVER (PARTITION BY department, batch ORDER BY scored_at DESC, run_id DESC) = 1
)
SELECT department, batch, coalesce(v.findings, 0) AS findings, coalesce(v.blocking, 0) AS blocking, sc.score
FROM sc FULL JOIN v USING (department, batch)
ORDER BY department, batch DESC
{%- endif %}
