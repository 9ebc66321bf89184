-- 数据异议 tickets (quality.disputes: current status), masked: the entity's ID number, the
-- claimed and the filed value as the authoritative column requires. Every department's
-- (newest first, up to $limit) or one department's ($department).
{% import '_masks.sql' as m with context -%}
SELECT t.department, t.department_name, t.ticket_id, t.status, t.is_open,
       q_mask_party(t.entity_id) AS entity_id, t.attribute, t.source_id, t.source_column,
       {{ m.masked_value('t.source_id', 't.source_column', 't.claimed_value') }} AS claimed_value,
       {{ m.masked_value('t.source_id', 't.source_column', 't.filed_value') }} AS filed_value,
       t.filed_batch, t.filed_by, t.filed_at, t.assignee, t.status_at, t.status_by
FROM quality.disputes AS t
{% if one_department -%}
WHERE t.department = $department
ORDER BY t.filed_at, t.ticket_id
{%- else -%}
ORDER BY t.filed_at DESC, t.ticket_id DESC
{%- endif %}
LIMIT $limit
