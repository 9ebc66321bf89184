"""Everything the catalog makes after a build of the warehouse, in one call.

    result = publish_catalog(lake)     # dict: the directory build, analysts' database, site, exports

The directory in the warehouse first (catalog/store.py: resources, items, relations, quality,
codes, versions, the warehouse's comments), then what is made from it: the analysts' database
(catalog/analysts.py), the directory's offline site (catalog/site/) and the exports of the
published directory in every format (catalog/export/, <lake>/catalog/export/). `govlake catalog build`,
`govlake run` (conductor.pipeline.catalog_build) and the catalog DAG all call this.
"""

from __future__ import annotations

from dataclasses import asdict

from catalog.analysts import write_analysts_db
from catalog.export import export_directory
from catalog.site import write_site
from catalog.store import build_directory
from govlake.lock import lake_lock
from govlake.settings import Lake


def publish_catalog(lake: Lake) -> dict:
    # one holder of the lake lock for the whole: two runs at once would otherwise write the
    # analysts' database, the site and the exports side by side (the lock is re-entrant, so the
    # steps' own locking is unchanged)
    with lake_lock(lake):
        result = asdict(build_directory(lake))
        result["analysts"] = write_analysts_db(lake)
        result["site"] = write_site(lake).as_dict()
        exported = export_directory(lake, ["all"])
    result["export"] = {"version": exported.version, "files": [str(f) for f in exported.files]}
    return result
