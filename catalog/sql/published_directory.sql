-- The published directory, as every export shows it (catalog/export/reader.py): one row per
-- resource of catalog.published, its 信息项 nested. What stewards approved comes from the
-- published state (title, sharing and condition, opening, grade, update cycle, the 信息项's
-- Chinese name, type code and sensitivity): a change held 待审核 is not here, and neither is a
-- resource whose addition waits. The rest — classification, summary, providers, lineage, rows,
-- quality — is the latest build's catalog.resources and catalog.items. Links to other resources
-- keep only published codes, so an export never names a resource it does not describe.
WITH published AS (
    SELECT
        code,
        state,
        version
    FROM catalog.published
),

codes AS (
    SELECT list(code) AS all_codes FROM published
),

published_items AS (
    SELECT
        code,
        unnest(map_entries(CAST(state -> 'items' AS MAP(
            VARCHAR, STRUCT(name_zh VARCHAR, type_code VARCHAR, sensitivity VARCHAR)
        )))) AS entry
    FROM published
),

items AS (
    SELECT
        p.code,
        list({
            'position': i.position,
            'name': p.entry.key,
            'name_zh': p.entry.value.name_zh,
            'name_en': i.name_en,
            'type_code': p.entry.value.type_code,
            'sensitivity': p.entry.value.sensitivity,
            'data_type': i.data_type
        } ORDER BY i.position NULLS LAST, p.entry.key) AS items
    FROM published_items AS p
    LEFT JOIN catalog.items AS i ON i.resource_code = p.code AND i.name = p.entry.key
    GROUP BY p.code
)

SELECT
    r.code,
    r.name,
    r.kind,
    p.state ->> 'title' AS title,
    r.title_en,
    r.class,
    r.class_name,
    r.item,
    r.item_name,
    r.catalog,
    r.catalog_name,
    r.sequence,
    list_transform(
        range(1, len(r.providers) + 1),
        lambda n: {'code': r.providers[n], 'name': r.provider_names[n], 'uscc': r.provider_usccs[n]}
    ) AS providers,
    r.summary,
    r.format,
    p.state ->> 'sharing' AS sharing,
    p.state ->> 'sharing_condition' AS sharing_condition,
    r.sharing_method,
    p.state ->> 'opening' AS opening,
    p.state ->> 'update_cycle' AS update_cycle,
    p.state ->> 'grade' AS grade,
    r.published_at,
    p.version AS changed_in_version,
    list_filter(r.related, lambda c: list_contains(codes.all_codes, c)) AS related,
    list_filter(r.upstream, lambda c: list_contains(codes.all_codes, c)) AS upstream,
    list_filter(r.downstream, lambda c: list_contains(codes.all_codes, c)) AS downstream,
    r.rows,
    r.last_refresh,
    r.quality_overall,
    coalesce(i.items, []) AS items
FROM published AS p
INNER JOIN catalog.resources AS r ON r.code = p.code
LEFT JOIN items AS i ON i.code = p.code
CROSS JOIN codes
ORDER BY r.code
