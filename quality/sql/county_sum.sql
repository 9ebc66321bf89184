-- The county values of A01 for a year sum to the city value within 1% (tjj.macro_indicator
-- rules; "flag, do not reject"). Per batch and year, the city's row fails when the sum of
-- the counties' rows of the same batch is off by more than 1% of the city value. City and
-- county codes come from the registry (city.yaml); staging maps retired codes to current.
WITH yearly AS (
    SELECT *
    FROM {{ relation }}
    WHERE _batch IN ({batches}) AND indicator_code = 'A01' AND period_type = 'year' AND value IS NOT NULL
),
sums AS (
    SELECT _batch, period, sum(value) AS county_sum
    FROM yearly
    WHERE region_code IN ({{ sql_list(counties) }})
    GROUP BY ALL
)
SELECT s._batch, s._file, s._row_no, {{ record_key }} AS record_key,
       CAST(s.value AS VARCHAR) AS observed,
       'county sum ' || c.county_sum AS detail
FROM yearly AS s
JOIN sums AS c ON s._batch = c._batch AND s.period = c.period
WHERE s.region_code = '{{ city.region_code }}'
  AND abs(c.county_sum - s.value) > 0.01 * abs(s.value)
