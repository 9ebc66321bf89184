-- The applications, filtered ($1 resource code or name, $2 consumer, $3 status; NULL: any).
SELECT
    application_id,
    consumer,
    resource,
    resource_name,
    purpose,
    legal_basis,
    items,
    clear_items,
    end_date,
    status,
    applied_by,
    applied_at,
    decided_by,
    decided_as,
    decided_at,
    reason,
    grant_id
FROM sharing.applications
WHERE
    ($1 IS NULL OR resource = $1 OR resource_name = $1)
    AND ($2 IS NULL OR consumer = $2)
    AND ($3 IS NULL OR status = $3)
ORDER BY application_id
