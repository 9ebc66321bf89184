"""Write the chosen exports of the published directory and record them in the audit log.

Every format reads the same published directory (catalog/export/reader.py), once; each file is
written atomically (catalog/export/files.py). The audit record (action export.catalog) names the
directory version, the formats and every file written — or, when the export failed, the error.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from catalog.export.dcat import write_dcat
from catalog.export.json_export import write_json
from catalog.export.reader import read_published
from catalog.export.table_export import write_csv, write_xlsx
from govlake import audit
from govlake.registry import Registry, load_registry
from govlake.settings import Lake

WRITERS = {  # format -> write(directory, out, registry) -> files written
    "json": lambda d, out, _: write_json(d, out),
    "csv": lambda d, out, _: [write_csv(d, out)],
    "xlsx": lambda d, out, _: [write_xlsx(d, out)],
    "dcat": write_dcat,
}
FORMATS = tuple(WRITERS)
ACTION = "export.catalog"


@dataclass
class ExportResult:
    version: int
    resources: int
    items: int
    files: list[Path]


def chosen(formats: Iterable[str]) -> list[str]:
    """The formats asked for, in FORMATS order; "all" is every one. ValueError naming an unknown one."""
    asked = set(formats) or {"all"}
    unknown = sorted(asked - {*FORMATS, "all"})
    if unknown:
        raise ValueError(f"unknown export format {', '.join(unknown)}: choose from {', '.join(FORMATS)} or all")
    return list(FORMATS) if "all" in asked else [f for f in FORMATS if f in asked]


def default_out(lake: Lake) -> Path:
    return lake.catalog / "export"


def export_directory(
    lake: Lake, formats: Iterable[str], out: Path | None = None, registry: Registry | None = None
) -> ExportResult:
    todo = chosen(formats)
    out = Path(out).resolve() if out else default_out(lake)
    with audit.recorded(lake, ACTION, subject=str(out), details={"formats": todo}) as entry:
        registry = registry or load_registry()
        directory = read_published(lake, registry)
        files: list[Path] = []
        # kept up to date, so that a failed export's record names what it did write
        entry.details.update(version=directory.version, resources=len(directory.resources), items=directory.items)
        entry.details["files"] = []
        for fmt in todo:
            new = WRITERS[fmt](directory, out, registry)
            files += new
            entry.details["files"] += [str(f) for f in new]
    return ExportResult(directory.version, len(directory.resources), directory.items, files)
