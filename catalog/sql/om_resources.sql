-- The published directory as OpenMetadata receives it (catalog/om_entities.py): what the
-- directory promises outside the lake is catalog.published's state (a change held 待审核 is not
-- in it); the rest (English title, summary, providers, schema, lineage) is the build's.
SELECT
    r.code,
    r.name,
    r.kind,
    r.library,
    r.relation,
    r.title_en,
    r.summary,
    r.providers,
    r.provider_names,
    r.upstream,
    json_extract_string(p.state, '$.title') AS title,
    json_extract_string(p.state, '$.sharing') AS sharing,
    json_extract_string(p.state, '$.sharing_condition') AS sharing_condition,
    json_extract_string(p.state, '$.opening') AS opening,
    json_extract_string(p.state, '$.grade') AS grade,
    json_extract_string(p.state, '$.update_cycle') AS update_cycle
FROM catalog.resources AS r
INNER JOIN catalog.published AS p ON r.code = p.code
ORDER BY r.code
