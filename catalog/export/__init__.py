"""Exports of the published directory: JSON (with its JSON Schema), the 目录编制 registration
form as CSV and XLSX, DCAT as JSON-LD and Turtle (docs/directory.md, "Exports").

    from catalog.export import export_directory
    result = export_directory(lake, ["json", "dcat"], out)    # ExportResult: version, files
"""

from catalog.export.run import FORMATS, ExportResult, export_directory

__all__ = ["FORMATS", "ExportResult", "export_directory"]
