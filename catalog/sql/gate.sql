-- The latest promotion gate, per source: passed when every batch of it the gate judged passed.
SELECT gate_id, max(decided_at) AS decided_at, source_id, bool_and(passed) AS passed
FROM quality.gate_decisions
WHERE gate_id = (SELECT gate_id FROM quality.gate_decisions ORDER BY decided_at DESC LIMIT 1)
GROUP BY gate_id, source_id
