-- The GB/T 36344 scores of each source's latest scored batch (quality.scores keeps every run; the
-- latest run that scored a batch counts), per dimension and overall.
SELECT source_id, batch, dimension, score
FROM quality.scores
WHERE level = 'source'
QUALIFY row_number() OVER (PARTITION BY source_id, dimension ORDER BY batch DESC, scored_at DESC, run_id DESC) = 1
