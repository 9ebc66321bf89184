-- Per department, in the open-findings scope (quality.findings): open findings (all, blocking,
-- new since the batch before), findings resolved since then, the sources' batches in the current
-- data and the latest; open conflicts, disputes. One row for every department of the registry.
{% import '_scope.sql' as scope with context -%}
WITH f AS (
    SELECT s.department,
           count(*) FILTER (WHERE f.status <> 'resolved') AS violations,
           count(*) FILTER (WHERE f.status <> 'resolved' AND f.severity = 'blocking') AS blocking,
           count(*) FILTER (WHERE f.status = 'new') AS new_findings,
           count(*) FILTER (WHERE f.status = 'resolved') AS resolved_findings
    FROM quality.findings AS f JOIN {{ sources }} AS s USING (source_id)
    GROUP BY s.department
), b AS (
    SELECT s.department, count(DISTINCT (c.source_id, c.batch)) AS batches, max(c.latest_batch) AS latest_batch
    FROM ({{ current }}) AS c JOIN {{ sources }} AS s USING (source_id)
    GROUP BY s.department
), h AS (
    SELECT s.department, count(*) AS history, count(DISTINCT (v.source_id, v.batch)) AS history_batches
    FROM quality.violations AS v JOIN {{ sources }} AS s USING (source_id)
    GROUP BY s.department
){% if has_conflicts %}, c AS (
    SELECT s.department, count(*) AS conflicts
    FROM ({{ scope.open_conflicts() }}) AS c JOIN {{ sources }} AS s ON s.source_id = c.other_source
    GROUP BY s.department
){% endif %}{% if has_disputes %}, t AS (
    SELECT department, count(*) AS disputes, count(*) FILTER (WHERE is_open) AS open_disputes
    FROM quality.disputes GROUP BY department
){% endif %}
SELECT d.department,
       coalesce(f.violations, 0) AS violations, coalesce(f.blocking, 0) AS blocking,
       coalesce(f.new_findings, 0) AS new_findings, coalesce(f.resolved_findings, 0) AS resolved_findings,
       coalesce(h.history, 0) AS history, coalesce(h.history_batches, 0) AS history_batches,
       coalesce(b.batches, 0) AS batches, b.latest_batch,
       {{ 'coalesce(c.conflicts, 0)' if has_conflicts else '0' }} AS conflicts,
       {{ 'coalesce(t.disputes, 0)' if has_disputes else '0' }} AS disputes,
       {{ 'coalesce(t.open_disputes, 0)' if has_disputes else '0' }} AS open_disputes
FROM (SELECT DISTINCT department FROM {{ sources }}) AS d
LEFT JOIN f USING (department)
LEFT JOIN b USING (department)
LEFT JOIN h USING (department)
{% if has_conflicts %}LEFT JOIN c USING (department){% endif %}
{% if has_disputes %}LEFT JOIN t USING (department){% endif %}
ORDER BY d.department
