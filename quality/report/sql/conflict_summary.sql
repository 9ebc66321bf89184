{% import '_scope.sql' as scope with context -%}
-- Open 一数一源 conflicts (_scope.sql) per department (of the non-authoritative copy), rule and attribute.
SELECT s.department, c.rule, c.attribute, c.other_source, c.authoritative_source,
       count(*) AS conflicts, count(*) FILTER (WHERE c.status = 'new') AS new_conflicts, sum(c.observations) AS observations, max(c.last_seen_batch) AS last_seen_batch
FROM ({{ scope.open_conflicts() }}) AS c
JOIN {{ sources }} AS s ON s.source_id = c.other_source
GROUP BY ALL
ORDER BY s.department, conflicts DESC, c.rule, c.other_source
