"""One reader per delivery format; `reader_for(source)` picks it from the registry and
puts the file-size limit (ingest/limits.yaml max_file_bytes) in front of it."""

from __future__ import annotations

from collections.abc import Callable

from govlake.registry import Source
from ingest.limits import FILE_TOO_LARGE, limits
from ingest.readers.base import (
    FileUnreadable,
    HeaderMismatch,
    IntegrityError,
    LimitExceeded,
    ReadContext,
    check_header,
    code_columns,
)

__all__ = [
    "FileUnreadable",
    "HeaderMismatch",
    "IntegrityError",
    "LimitExceeded",
    "ReadContext",
    "check_header",
    "code_columns",
    "reader_for",
]


def reader_for(source: Source) -> Callable[[ReadContext], None]:
    read = _reader(source)

    def read_within_limits(ctx: ReadContext) -> None:
        check_file_size(ctx)
        read(ctx)

    return read_within_limits


def check_file_size(ctx: ReadContext) -> None:
    """A file over its format's size limit is rejected before a byte of it is read."""
    size, allowed = ctx.path.stat().st_size, limits().file_bytes(ctx.source.format)
    if size > allowed:
        raise LimitExceeded(
            f"{ctx.result.name}: {FILE_TOO_LARGE}: {size} bytes, over the limit of {allowed} bytes for a "
            f"{ctx.source.format} file (max_file_bytes in ingest/limits.yaml); not read",
            limit=FILE_TOO_LARGE,
            size=size,
            allowed=allowed,
        )


def _reader(source: Source) -> Callable[[ReadContext], None]:
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
