-- One household, exactly one 户主 (gaj.household_register rules). Per batch, a household
-- (household_no) with no head fails at every member row; one with several heads fails at
-- each head's row. The head's code is read from the registry's code list.
{%- set head = code_of('relation_to_head', '户主') %}
WITH households AS (
    SELECT _batch, household_no, count(*) FILTER (WHERE relation_to_head = '{{ head }}') AS heads
    FROM {{ relation }}
    WHERE _batch IN ({batches}) AND household_no IS NOT NULL
    GROUP BY ALL
    HAVING count(*) FILTER (WHERE relation_to_head = '{{ head }}') <> 1
)
SELECT s._batch, s._file, s._row_no, {{ record_key }} AS record_key,
       s.relation_to_head AS observed,
       'household ' || h.household_no || ' has ' || h.heads || ' heads' AS detail
FROM {{ relation }} AS s
JOIN households AS h ON s._batch = h._batch AND s.household_no = h.household_no
WHERE s._batch IN ({batches})
  AND (h.heads = 0 OR s.relation_to_head = '{{ head }}')
