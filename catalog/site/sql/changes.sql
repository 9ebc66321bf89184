-- The change log, newest first, with the version that published each change.
SELECT
    c.change_id,
    c.version,
    c.code,
    c.resource,
    c.kind,
    c.field,
    c.old_value,
    c.new_value,
    c.direction,
    c.status,
    c.detected_at,
    c.decided_by,
    c.decided_at,
    c.reason,
    v.published_at,
    v.published_by
FROM catalog.changes AS c
LEFT JOIN catalog.versions AS v ON c.version = v.version
ORDER BY c.change_id DESC
