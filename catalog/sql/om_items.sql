-- The published 信息项 of every published resource, with the warehouse's type of its column.
SELECT
    i.resource_code,
    i.position,
    i.name,
    i.name_en,
    c.data_type,
    json_extract_string(p.state, '$.items.' || i.name || '.name_zh') AS name_zh,
    json_extract_string(p.state, '$.items.' || i.name || '.sensitivity') AS sensitivity
FROM catalog.items AS i
INNER JOIN catalog.published AS p ON i.resource_code = p.code
INNER JOIN catalog.resources AS r ON i.resource_code = r.code
LEFT JOIN information_schema.columns AS c
    ON c.table_schema = split_part(r.relation, '.', 1)
    AND c.table_name = split_part(r.relation, '.', 2)
    AND c.column_name = i.name
WHERE json_extract(p.state, '$.items.' || i.name) IS NOT NULL
ORDER BY i.resource_code, i.position
