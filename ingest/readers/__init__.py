"""One reader per delivery format; `reader_for(source)` picks it from the registry."""

from __future__ import annotations

from collections.abc import Callable

from govlake.registry import Source
from ingest.readers.base import FileUnreadable, HeaderMismatch, IntegrityError, ReadContext, check_header, code_columns

__all__ = [
    "FileUnreadable",
    "HeaderMismatch",
    "IntegrityError",
    "ReadContext",
    "check_header",
    "code_columns",
    "reader_for",
]


def reader_for(source: Source) -> Callable[[ReadContext], None]:
    # Imported lazily: openpyxl costs ~0.4 s to import and most sources never need it.
    if source.format == "csv":
        from ingest.readers.csv_stream import read_csv

        return read_csv
    if source.format == "jsonl":
        from ingest.readers.jsonl import read_jsonl

        return read_jsonl
    if source.format == "json":
        from ingest.readers.json_array import read_json

        return read_json
    if source.format == "geojson":
        from ingest.readers.geojson import read_geojson

        return read_geojson
    if source.format == "xlsx":
        from ingest.readers.xlsx import read_xlsx

        return read_xlsx
    raise ValueError(f"{source.id}: no reader for format {source.format!r}")
