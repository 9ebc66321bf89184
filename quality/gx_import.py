"""Import Great Expectations once per process, out of the garbage collector's way.

The import creates ~300,000 objects (GX, pandas, scipy, altair, SQLAlchemy: modules, classes,
functions) that live as long as the process. Left to the cyclic collector, every full
collection traverses them again - five during the import itself, more during a run, and a last
one while the interpreter exits, which alone cost about a second of wall time after a quality
run (bench/README.md, "Issue 13"). So the collector is paused for the import and what exists
after it is frozen (gc.freeze: kept, never traversed again). Objects created later are
collected as usual.
"""

from __future__ import annotations

import gc
import sys
from types import ModuleType


def import_gx() -> ModuleType:
    """`great_expectations`; the first import in a process pauses the collector and freezes what it made."""
    without_spark_connect()
    if "great_expectations" in sys.modules:  # frozen already (or imported by someone else: leave it)
        import great_expectations

        return great_expectations
    enabled = gc.isenabled()
    gc.disable()
    try:
        import great_expectations
    finally:
        gc.freeze()
        if enabled:
            gc.enable()
    return great_expectations


def without_spark_connect() -> None:
    """GX looks for pyspark's Spark Connect classes at import. With pyspark installed (the Spark
    engine, docs/spark.md) that import runs Spark Connect's dependency check, which calls
    sys.exit(0) in a process whose __main__ is neither a file nor a module (`python -c`, an
    embedding): the process would end, silently, in the middle of a quality run. govlake drives
    Spark in session mode only, never through Connect, so the package is marked absent (an
    ImportError GX expects) unless something already imported it."""
    sys.modules.setdefault("pyspark.sql.connect", None)
