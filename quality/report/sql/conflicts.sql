-- 一数一源 conflicts (dbt's base.base_conflicts__conflict), routed to the department of the
-- non-authoritative copy, masked: the entity's ID number and both values as the copied
-- column requires. One department's ($department, up to $limit) or the first $limit of each.
{% import '_masks.sql' as m with context -%}
SELECT s.department, c.conflict_id, c.entity_type, q_mask_party(c.entity_id) AS entity_id, c.attribute, c.rule,
       c.authoritative_source,
       {{ m.masked_value('c.other_source', 'c.other_column', 'c.authoritative_value') }} AS authoritative_value,
       c.other_source, c.other_column,
       {{ m.masked_value('c.other_source', 'c.other_column', 'c.other_value') }} AS other_value,
       c.first_seen_batch, c.last_seen_batch, c.batches_seen, c.observations
FROM base.base_conflicts__conflict AS c
JOIN {{ sources }} AS s ON s.source_id = c.other_source
{% if one_department -%}
WHERE s.department = $department
ORDER BY c.other_source, c.rule, c.last_seen_batch DESC, c.conflict_id
LIMIT $limit
{%- else -%}
QUALIFY row_number() OVER (PARTITION BY s.department ORDER BY c.last_seen_batch DESC, c.rule, c.conflict_id) <= $limit
ORDER BY s.department, c.last_seen_batch DESC, c.rule, c.conflict_id
{%- endif %}
