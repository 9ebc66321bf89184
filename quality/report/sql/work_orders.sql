-- Work orders per department (quality/work_orders.py) and the bureau's ranking (绩效评价).
-- Every finding an order listed counts once per department, with its first due date:
--   open      still open in quality.findings (new or open);
--   fixed     no longer open: a later delivery corrected it (or it left the current data) -
--             computed here, no one closes it by hand;
--   overdue   open past its due date ($today), answered or not;
--   answered  the department returned feedback on it (quality.work_order_feedback).
-- rank 1 is the department with the most open blocking findings (all of quality.findings),
-- then the most overdue items.
WITH items AS (
    SELECT o.department, i.finding_id, min(i.due_date) AS due_date
    FROM quality.work_order_items AS i
    INNER JOIN quality.work_orders AS o USING (work_order_id)
    GROUP BY o.department, i.finding_id
),

open_now AS (
    SELECT DISTINCT finding_id FROM quality.findings WHERE status <> 'resolved'
),

answered AS (
    SELECT DISTINCT o.department, f.finding_id
    FROM quality.work_order_feedback AS f
    INNER JOIN quality.work_orders AS o USING (work_order_id)
),

per_item AS (
    SELECT
        i.department,
        n.finding_id IS NOT NULL AS is_open,
        n.finding_id IS NOT NULL AND i.due_date < $today AS is_overdue,
        a.finding_id IS NOT NULL AS is_answered
    FROM items AS i
    LEFT JOIN open_now AS n ON i.finding_id = n.finding_id
    LEFT JOIN answered AS a ON i.department = a.department AND i.finding_id = a.finding_id
),

counts AS (
    SELECT
        department,
        count(*) AS items,
        count(*) FILTER (WHERE is_open) AS open_items,
        count(*) FILTER (WHERE is_overdue) AS overdue,
        count(*) FILTER (WHERE is_answered) AS answered,
        count(*) FILTER (WHERE NOT is_open) AS fixed
    FROM per_item
    GROUP BY department
),

orders AS (
    SELECT department, count(*) AS orders, arg_max(work_order_id, issued_at) AS latest_order
    FROM quality.work_orders
    GROUP BY department
),

blocking AS (
    SELECT s.department, count(*) AS open_blocking
    FROM quality.findings AS f
    INNER JOIN {{ sources }} AS s USING (source_id)
    WHERE f.status <> 'resolved' AND f.severity = 'blocking'
    GROUP BY s.department
)

SELECT
    d.department,
    o.latest_order,
    coalesce(o.orders, 0) AS orders,
    coalesce(c.items, 0) AS items,
    coalesce(c.open_items, 0) AS open_items,
    coalesce(c.overdue, 0) AS overdue,
    coalesce(c.answered, 0) AS answered,
    coalesce(c.fixed, 0) AS fixed,
    coalesce(b.open_blocking, 0) AS open_blocking,
    rank() OVER (ORDER BY coalesce(b.open_blocking, 0) DESC, coalesce(c.overdue, 0) DESC) AS rank
FROM (SELECT DISTINCT department FROM {{ sources }}) AS d
LEFT JOIN counts AS c USING (department)
LEFT JOIN orders AS o USING (department)
LEFT JOIN blocking AS b USING (department)
ORDER BY rank, d.department
