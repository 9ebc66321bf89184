-- Who uses each resource (the share workflow's tables, sharing.*, when the lake has them): the
-- grants in force at $1 (naive UTC) with their consumer, purpose and expiry, and the number of
-- applications waiting for the provider. One row per resource with either.
WITH in_force AS (
    SELECT
        resource,
        list({
            'grant_id': grant_id,
            'consumer': consumer,
            'purpose': purpose,
            'expires_at': expires_at
        } ORDER BY consumer, grant_id) AS consumers
    FROM sharing.grants
    WHERE (revoked_at IS NULL OR revoked_at > $1) AND expires_at > $1
    GROUP BY resource
),

waiting AS (
    SELECT
        resource,
        count(*) AS open_applications
    FROM sharing.applications
    WHERE status = '待审批'
    GROUP BY resource
)

SELECT
    coalesce(f.resource, w.resource) AS resource,
    coalesce(f.consumers, []) AS consumers,
    coalesce(w.open_applications, 0) AS open_applications
FROM in_force AS f
FULL OUTER JOIN waiting AS w ON f.resource = w.resource
