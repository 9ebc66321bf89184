-- One resource of the published directory, by code or name, as the share workflow needs it:
-- the published state (sharing, its condition, 信息项 with sensitivity) and the providers of the
-- latest build. A resource whose addition waits for a steward is not published: not shareable.
SELECT
    p.code,
    r.name,
    p.state ->> 'title' AS title,
    p.state ->> 'sharing' AS sharing,
    p.state ->> 'sharing_condition' AS sharing_condition,
    CAST(p.state -> 'items' AS VARCHAR) AS items,
    r.providers,
    r.provider_names
FROM catalog.published AS p
INNER JOIN catalog.resources AS r ON r.code = p.code
WHERE p.code = $1 OR r.name = $1
