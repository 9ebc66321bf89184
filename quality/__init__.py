"""The quality layer: GB/T 36344 rules generated from the source registry (plus
quality/rules.yaml), run set-based on the DuckDB warehouse and validated through Great
Expectations; results in the warehouse schema `quality` (see quality/README.md).

    from quality.runner import run_quality
    summary = run_quality(Lake.from_env())          # or sources=[...], batches=[...]
"""

from quality.gx_import import without_spark_connect

# before anything here imports Great Expectations (quality/gx_import.py says why)
without_spark_connect()
