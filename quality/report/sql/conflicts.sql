-- Open 一数一源 conflicts (dbt's base.base_conflicts__conflict with an open finding behind
-- them, _scope.sql), each new or still open, routed to the department of the
-- non-authoritative copy, masked: the entity's ID number and both values as the copied
-- column requires; a department's own list also carries its own value unmasked. One department's ($department, up to $limit) or the first $limit of each.
{% import '_masks.sql' as m with context -%}
{% import '_scope.sql' as scope with context -%}
SELECT s.department, c.conflict_id, c.status, c.entity_type, q_mask_party(c.entity_id) AS entity_id, c.attribute, c.rule,
       c.authoritative_source,
       {{ m.masked_value('c.other_source', 'c.other_column', 'c.authoritative_value') }} AS authoritative_value,
       c.other_source, c.other_column,
       {{ m.masked_value('c.other_source', 'c.other_column', 'c.other_value') }} AS other_value,
       c.first_seen_batch, c.last_seen_batch, c.batches_seen, c.observations,
       -- where the two values differ (1-based character positions), computed before masking: the
       -- page can show that two masked names differ, and where, without showing them
       list_filter(range(1, greatest(length(c.other_value), length(c.authoritative_value)) + 1),
                   lambda i: substr(c.other_value, i, 1) IS DISTINCT FROM substr(c.authoritative_value, i, 1))
           AS differs_at,
       greatest(length(c.other_value), length(c.authoritative_value)) AS compared_length
       {%- if one_department %},
       -- the department's own delivered value, in full: it holds it already (its workbook only)
       c.other_value AS own_value
       {%- endif %}
FROM ({{ scope.open_conflicts() }}) AS c
JOIN {{ sources }} AS s ON s.source_id = c.other_source
{% if one_department -%}
WHERE s.department = $department
ORDER BY c.other_source, c.rule, c.last_seen_batch DESC, c.conflict_id
LIMIT $limit
{%- else -%}
QUALIFY row_number() OVER (PARTITION BY s.department ORDER BY c.last_seen_batch DESC, c.rule, c.conflict_id) <= $limit
ORDER BY s.department, c.last_seen_batch DESC, c.rule, c.conflict_id
{%- endif %}
