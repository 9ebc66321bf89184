-- Per department: violations (all, blocking), the sources and batches they fall in, and the
-- latest batch checked; one row for every department of the registry.
WITH v AS (
    SELECT s.department, count(*) AS violations,
           count(*) FILTER (WHERE v.severity = 'blocking') AS blocking
    FROM quality.violations AS v JOIN {{ sources }} AS s USING (source_id)
    GROUP BY s.department
), b AS (
    SELECT s.department, count(DISTINCT (r.source_id, r.batch)) AS batches, max(r.batch) AS latest_batch
    FROM quality.rule_results AS r JOIN {{ sources }} AS s USING (source_id)
    GROUP BY s.department
){% if has_conflicts %}, c AS (
    SELECT s.department, count(*) AS conflicts
    FROM base.base_conflicts__conflict AS c JOIN {{ sources }} AS s ON s.source_id = c.other_source
    GROUP BY s.department
){% endif %}{% if has_disputes %}, t AS (
    SELECT department, count(*) AS disputes, count(*) FILTER (WHERE is_open) AS open_disputes
    FROM quality.disputes GROUP BY department
){% endif %}
SELECT d.department,
       coalesce(v.violations, 0) AS violations, coalesce(v.blocking, 0) AS blocking,
       coalesce(b.batches, 0) AS batches, b.latest_batch,
       {{ 'coalesce(c.conflicts, 0)' if has_conflicts else '0' }} AS conflicts,
       {{ 'coalesce(t.disputes, 0)' if has_disputes else '0' }} AS disputes,
       {{ 'coalesce(t.open_disputes, 0)' if has_disputes else '0' }} AS open_disputes
FROM (SELECT DISTINCT department FROM {{ sources }}) AS d
LEFT JOIN v USING (department)
LEFT JOIN b USING (department)
{% if has_conflicts %}LEFT JOIN c USING (department){% endif %}
{% if has_disputes %}LEFT JOIN t USING (department){% endif %}
ORDER BY d.department
