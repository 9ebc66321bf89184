-- The columns of a resource's relation: a sample row shows only the 信息项 it really has.
SELECT column_name
FROM information_schema.columns
WHERE table_schema = ? AND table_name = ?
ORDER BY ordinal_position
