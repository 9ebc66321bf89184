{#- The open-findings scope in the report's SQL (quality/findings.py): `current` is the SELECT
    of the current data's rule results (quality/sql/current_results.sql), passed in. -#}

{#- 一数一源 conflicts with an open finding (quality.findings) behind one of their observations:
    status new when one of those findings is new, else open -#}
{% macro open_conflicts() -%}
SELECT c.*, CASE WHEN bool_or(f.status = 'new') THEN 'new' ELSE 'open' END AS status
FROM base.base_conflicts__conflict AS c
JOIN base.base_conflicts__observation AS o
  ON o.entity_id = c.entity_id AND o.attribute = c.attribute AND o.rule = c.rule
 AND o.authoritative_source = c.authoritative_source
 AND o.authoritative_value IS NOT DISTINCT FROM c.authoritative_value
 AND o.other_source = c.other_source AND o.other_column = c.other_column
 AND o.other_value IS NOT DISTINCT FROM c.other_value
JOIN quality.findings AS f
  ON f.source_id = o.other_source AND f.batch = o._batch AND f._file = o._file AND f._row_no = o._row_no
 AND f.column_name = o.other_column AND f.rule_id LIKE '%.' || o.rule || '.%' AND f.status <> 'resolved'
GROUP BY ALL
{%- endmacro %}
