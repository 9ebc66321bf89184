-- GB/T 36344 scores of each resource's sources, their latest batch, one row per dimension.
SELECT
    resource_code,
    source_id,
    batch,
    dimension,
    score
FROM catalog.quality
ORDER BY resource_code, source_id, dimension
