-- Rule results of the current data, the scope of quality.findings (findings.sql): a full
-- snapshot's latest batch, every batch of an increment. Rows checked as the run counted them;
-- rows failed = distinct rows (files, batches) with an open finding, so an increment's row
-- that a later batch corrected no longer counts against its batch. Without quality.findings
-- (a warehouse no quality run has scored since it was added) the run's own counts.
-- Columns: source_id, rule_id, batch, latest_batch, dimension, severity, checked, failed.
WITH latest AS (
    SELECT source_id, max(batch) AS latest_batch
    FROM quality.rule_results
    WHERE rule_id NOT LIKE 'completeness.batch_missing.%'
    GROUP BY source_id
)
{%- if has_findings %},

open_rows AS (
    SELECT rule_id, batch, count(*) AS failed
    FROM (
        SELECT DISTINCT rule_id, batch, _file, _row_no FROM quality.findings WHERE status <> 'resolved'
    )
    GROUP BY rule_id, batch
)
{%- endif %}

SELECT
    r.source_id,
    r.rule_id,
    r.batch,
    l.latest_batch,
    r.dimension,
    r.severity,
    r.checked,
    {{ 'coalesce(o.failed, 0)' if has_findings else 'r.failed' }} AS failed
FROM quality.rule_results AS r
INNER JOIN latest AS l ON r.source_id = l.source_id
INNER JOIN {{ modes }} AS m ON r.source_id = m.source_id
{%- if has_findings %}
LEFT JOIN open_rows AS o ON r.rule_id = o.rule_id AND r.batch = o.batch
{%- endif %}
WHERE NOT m.full_snapshot OR r.batch = l.latest_batch
