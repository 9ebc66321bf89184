-- History a click away: every batch's latest check (quality.violations), per department and
-- batch - findings, blocking findings and the overall score of that batch (quality.scores,
-- the latest run that scored it); or, for one department ($department, up to $limit rows,
-- newest batch first), the same per source and batch with the rules that failed. Not row by
-- row: every batch's findings grow with each delivery (a daily full snapshot repeats its
-- defects every day), and listed in the workbook they made the steward report's time grow
-- day after day (bench/README.md, "Soak"); the rows stay in quality.violations.
{% import '_masks.sql' as m with context -%}
{% if one_department -%}
SELECT v.source_id, v.batch, count(*) AS findings,
       count(*) FILTER (WHERE v.severity = 'blocking') AS blocking,
       count(DISTINCT v.rule_id) AS rules, sc.score
FROM quality.violations AS v
JOIN {{ sources }} AS s USING (source_id)
LEFT JOIN (
    SELECT source_id, batch, score
    FROM quality.scores
    WHERE level = 'source' AND dimension = 'overall'
    QUALIFY row_number() OVER (PARTITION BY source_id, batch ORDER BY scored_at DESC, run_id DESC) = 1
) AS sc USING (source_id, batch)
WHERE s.department = $department
GROUP BY v.source_id, v.batch, sc.score
ORDER BY v.batch DESC, v.source_id
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
