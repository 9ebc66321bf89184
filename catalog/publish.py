"""Everything the catalog makes after a build of the warehouse, in one call.

    result = publish_catalog(lake)     # dict: the directory build, the analysts' database

The directory in the warehouse first (catalog/store.py: resources, items, relations, quality,
codes, versions, the warehouse's comments), then what is made from it: the analysts' database
(catalog/analysts.py). `govlake catalog build`, `govlake run` (conductor.pipeline.catalog_build)
and the catalog DAG all call this.
"""

from __future__ import annotations

from dataclasses import asdict

from catalog.analysts import write_analysts_db
from catalog.store import build_directory
from govlake.settings import Lake


def publish_catalog(lake: Lake) -> dict:
    result = asdict(build_directory(lake))
    result["analysts"] = write_analysts_db(lake)
    return result
