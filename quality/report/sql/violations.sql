-- Findings as a steward may see them (quality.findings: the open-findings scope): masked
-- (observed is masked when written; the record key is masked here), with the department, the
-- rule's messages and its dimension's Chinese name, and each finding's status: new / open
-- (still open) / resolved since the batch before. $statuses: the statuses listed. Either one
-- department's (department = $department, up to $limit rows) or a sample of every
-- department's (the first $limit of each).
{% import '_masks.sql' as m with context -%}
SELECT s.department, v.finding_id, v.status, v.source_id, v.batch, v.first_seen_batch,
       {{ m.masked_key('v.source_id', 'v.column_name', 'v.record_key') }} AS record_key,
       v.column_name, v.rule_id, v.dimension, d.dimension_zh, v.severity,
       r.message_zh, r.message_en, v.observed, v.detail, v._file, v._row_no
FROM quality.findings AS v
JOIN {{ sources }} AS s USING (source_id)
LEFT JOIN quality.rules AS r USING (rule_id)
LEFT JOIN quality.dimensions AS d ON d.dimension = v.dimension
WHERE list_contains($statuses, v.status)
{% if one_department -%}
  AND s.department = $department
ORDER BY v.source_id, v.status = 'new' DESC, v.batch, v._file, v._row_no, v.rule_id, v.column_name
LIMIT $limit
{%- else -%}
QUALIFY row_number() OVER (PARTITION BY s.department
                           ORDER BY v.severity = 'blocking' DESC, v.status = 'new' DESC, v.batch DESC, v.rule_id, v._file, v._row_no) <= $limit
ORDER BY s.department, v.severity = 'blocking' DESC, v.status = 'new' DESC, v.batch DESC, v.rule_id, v._file, v._row_no
{%- endif %}
