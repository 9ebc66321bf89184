-- Every quality rule with its latest run's result summed over the batches it checked
-- (quality.rules, quality.rule_results: the quality stage's tables).
WITH latest AS (
    SELECT rule_id, max(run_id) AS run_id
    FROM quality.rule_results
    GROUP BY rule_id
),

results AS (
    SELECT
        x.rule_id,
        sum(x.checked) AS checked,
        sum(x.failed) AS failed,
        max(x.evaluated_at) AS evaluated_at
    FROM quality.rule_results AS x
    INNER JOIN latest AS l ON x.rule_id = l.rule_id AND x.run_id = l.run_id
    GROUP BY x.rule_id
)

SELECT
    q.rule_id,
    q.source_id,
    q.column_name,
    q.dimension,
    q.severity,
    q.message_zh,
    q.message_en,
    res.checked,
    res.failed,
    res.evaluated_at
FROM quality.rules AS q
LEFT JOIN results AS res ON q.rule_id = res.rule_id
ORDER BY q.rule_id
