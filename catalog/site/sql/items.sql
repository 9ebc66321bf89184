-- The built 信息项, in column order; the site shows the published ones and masks samples by the
-- stricter of the built and the published sensitivity.
SELECT
    resource_code,
    position,
    name,
    name_zh,
    name_en,
    type_code,
    sensitivity,
    data_type
FROM catalog.items
ORDER BY resource_code, position
