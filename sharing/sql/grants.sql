-- The grants with their state at $4 (naive UTC), filtered ($1 resource code or name, $2 consumer,
-- $3 state; NULL: any). 有效 in force, 已到期 expired, 已撤销 revoked.
WITH g AS (
    SELECT
        g.grant_id,
        g.application_id,
        g.consumer,
        g.resource,
        a.resource_name,
        g.items,
        g.clear_items,
        g.purpose,
        g.legal_basis,
        g.expires_at,
        g.granted_by,
        g.granted_as,
        g.granted_at,
        g.revoked_at,
        g.revoked_by,
        g.revoked_reason,
        CASE
            WHEN g.revoked_at IS NOT NULL AND g.revoked_at <= $4 THEN '已撤销'
            WHEN g.expires_at <= $4 THEN '已到期'
            ELSE '有效'
        END AS state
    FROM sharing.grants AS g
    LEFT JOIN sharing.applications AS a ON a.application_id = g.application_id
)

SELECT *
FROM g
WHERE
    ($1 IS NULL OR resource = $1 OR resource_name = $1)
    AND ($2 IS NULL OR consumer = $2)
    AND ($3 IS NULL OR state = $3)
ORDER BY grant_id
