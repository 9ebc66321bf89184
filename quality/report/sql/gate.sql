-- The latest promotion gate (quality.gate_decisions): its held batches with their reasons.
SELECT g.gate_id, g.decided_at, g.source_id, s.department, g.batch, g.blocking_failed, g.checked,
       g.share, g.threshold, g.passed, g.reasons
FROM quality.gate_decisions AS g
JOIN {{ sources }} AS s USING (source_id)
WHERE g.gate_id = (SELECT gate_id FROM quality.gate_decisions ORDER BY decided_at DESC LIMIT 1)
ORDER BY g.passed, g.share DESC NULLS LAST, g.source_id, g.batch
