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

FORMATS = ("json", "csv", "xlsx", "dcat")
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
        for fmt in todo:
            if fmt == "json":
                files += write_json(directory, out)
            elif fmt == "csv":
                files.append(write_csv(directory, out))
            elif fmt == "xlsx":
                files.append(write_xlsx(directory, out))
            else:
                files += write_dcat(directory, out, registry)
        entry.details.update(
            version=directory.version,
            resources=len(directory.resources),
            items=directory.items,
            files=[str(f) for f in files],
        )
    return ExportResult(directory.version, len(directory.resources), directory.items, files)
