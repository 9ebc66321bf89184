-- Trend per department: the overall GB/T 36344 score of each department's batch dates; the
-- current score of a batch is that of the latest run that scored it (quality.scores keeps
-- every run).
SELECT department, batch, score, checked, failed
FROM quality.scores
WHERE level = 'department' AND dimension = 'overall'
QUALIFY row_number() OVER (PARTITION BY department, batch ORDER BY scored_at DESC, run_id DESC) = 1
ORDER BY department, batch
