-- The directory's versions, newest first.
SELECT
    version,
    published_at,
    published_by,
    changes
FROM catalog.versions
ORDER BY version DESC
