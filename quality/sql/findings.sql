-- quality.findings: the steward's to-do list (docs/quality-dimensions.md#open-findings). One
-- scope for the scorecard, the counts, the worst rules and the workbooks: a finding is open
-- when it is in the current data -
--   full snapshot  a violation of the source's latest batch (a later snapshot replaced the
--                  earlier ones, as the promotion gate judges them);
--   increment      a violation of any batch whose record no later batch delivered again
--                  (a re-delivered record is a correction: its own batch's result counts);
--                  file and batch findings stay open with their batch.
-- Each open finding is `new` (not open after the batch before the latest) or `open` (still
-- open); a finding open after the previous batch and not any more is listed as `resolved`.
-- A finding's identity is (source, rule, column, record key) - and its batch for the file and
-- batch findings of an increment, which no later batch can correct.
-- Relations passed in: modes (source_id, full_snapshot); delivered (source_id, batch,
-- record_key) of the increments' records, staged or rejected.
CREATE OR REPLACE TABLE quality.findings AS
WITH batches AS (
    SELECT source_id, max(batch) AS latest_batch
    FROM quality.rule_results
    WHERE rule_id NOT LIKE 'completeness.batch_missing.%'
    GROUP BY source_id
),

previous AS (
    SELECT r.source_id, max(r.batch) AS previous_batch
    FROM quality.rule_results AS r
    INNER JOIN batches AS b ON r.source_id = b.source_id AND r.batch < b.latest_batch
    WHERE r.rule_id NOT LIKE 'completeness.batch_missing.%'
    GROUP BY r.source_id
),

v AS (
    SELECT
        v.*,
        m.full_snapshot,
        b.latest_batch,
        p.previous_batch,
        (v.rule_id LIKE '%._file' OR v.rule_id LIKE '%._batch') AS batch_level
    FROM quality.violations AS v
    INNER JOIN {{ modes }} AS m ON v.source_id = m.source_id
    INNER JOIN batches AS b ON v.source_id = b.source_id
    LEFT JOIN previous AS p ON v.source_id = p.source_id
),

redelivered AS (
    -- the first later batch that delivered an increment's record again
    SELECT k.source_id, k.batch, k.record_key, min(d.batch) AS next_delivery
    FROM (
        SELECT DISTINCT source_id, batch, record_key FROM v
        WHERE NOT full_snapshot AND NOT batch_level AND record_key <> ''
    ) AS k
    INNER JOIN {{ delivered }}
        ON k.source_id = d.source_id AND k.record_key = d.record_key AND k.batch < d.batch
    GROUP BY k.source_id, k.batch, k.record_key
),

states AS (
    SELECT
        v.*,
        r.next_delivery,
        CASE WHEN v.full_snapshot THEN v.batch = v.latest_batch ELSE r.next_delivery IS NULL END AS open_now,
        CASE
            WHEN v.full_snapshot THEN v.batch IS NOT DISTINCT FROM v.previous_batch
            ELSE v.batch < v.latest_batch AND (r.next_delivery IS NULL OR r.next_delivery >= v.latest_batch)
        END AS open_before,
        left(md5(concat_ws(
            '|', v.source_id, v.rule_id, v.column_name, v.record_key,
            CASE WHEN NOT v.full_snapshot AND v.batch_level THEN v.batch ELSE '' END
        )), 16) AS identity
    FROM v
    LEFT JOIN redelivered AS r
        ON v.source_id = r.source_id AND v.batch = r.batch AND v.record_key = r.record_key
),

now_open AS (SELECT DISTINCT identity FROM states WHERE open_now),

before_open AS (SELECT DISTINCT identity FROM states WHERE open_before),

seen AS (SELECT identity, min(batch) AS first_seen_batch FROM states GROUP BY identity),

listed AS (
    SELECT
        s.*,
        seen.first_seen_batch,
        CASE
            WHEN NOT s.open_now THEN 'resolved'
            WHEN s.identity IN (SELECT identity FROM before_open) THEN 'open'
            ELSE 'new'
        END AS status
    FROM states AS s
    INNER JOIN seen ON s.identity = seen.identity
    WHERE s.open_now OR (s.open_before AND s.identity NOT IN (SELECT identity FROM now_open))
)

SELECT
    -- a record can fail one rule twice (a rejected row, two reasons): numbered apart
    identity || CASE WHEN n > 1 THEN '-' || n ELSE '' END AS finding_id,
    status,
    source_id,
    batch,
    record_key,
    column_name,
    rule_id,
    dimension,
    severity,
    observed,
    detail,
    _file,
    _row_no,
    first_seen_batch,
    latest_batch,
    run_id
FROM (
    SELECT
        *,
        row_number() OVER (PARTITION BY identity, status ORDER BY batch, _file, _row_no) AS n
    FROM listed
)
ORDER BY source_id, status, rule_id, batch, _file, _row_no
