"""The directory as one JSON document, described by catalog/schema/directory.schema.json.

    path = write_json(directory, out)      # out/directory.json, and the schema beside it

The document is the published directory (catalog/export/reader.py) with each resource's
classification grouped; the schema travels with it so a recipient can validate what arrived.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from catalog.export.files import replacing, write_bytes
from catalog.export.reader import TITLE, PublishedDirectory

SCHEMA = Path(__file__).resolve().parent.parent / "schema" / "directory.schema.json"
FILE = "directory.json"
CLASSIFICATION = ("class", "class_name", "item", "item_name", "catalog", "catalog_name", "sequence")


def document(directory: PublishedDirectory) -> dict:
    return {
        "title": TITLE,
        "version": directory.version,
        "version_published_at": directory.version_published_at,
        "exported_at": directory.exported_at,
        "resources": [_resource(r) for r in directory.resources],
    }


def _resource(r: dict) -> dict:
    out = {k: v for k, v in r.items() if k not in CLASSIFICATION}
    out["classification"] = {k: r[k] for k in CLASSIFICATION}
    return out


def write_json(directory: PublishedDirectory, out: Path) -> list[Path]:
    text = json.dumps(document(directory), ensure_ascii=False, indent=2) + "\n"
    path = write_bytes(out / FILE, text.encode("utf-8"))
    with replacing(out / SCHEMA.name) as tmp:
        shutil.copyfile(SCHEMA, tmp)
    return [path, out / SCHEMA.name]
