-- The latest quality run.
SELECT run_id, started_at, finished_at, sources, batches, rules, violations, success, seconds
FROM quality.runs
ORDER BY started_at DESC
LIMIT 1
