-- Every resource of the built directory with its published state (catalog/versions.py), the
-- values the site shows where the two differ: a change waiting for review is not published.
SELECT
    r.*,
    p.state AS published_state,
    p.version AS published_version
FROM catalog.resources AS r
LEFT JOIN catalog.published AS p ON r.code = p.code
ORDER BY r.code
