"""A result table as the caller asked for it: JSON, CSV, Parquet or Arrow IPC.

Each file-like answer carries its request id (Parquet key-value metadata, a CSV header line is
not a place for it: the X-Request-Id header is), so a file found elsewhere can be traced to the
audited request. CSV text that a spreadsheet would run as a formula gets a leading apostrophe.
"""

from __future__ import annotations

import io
import json

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
from fastapi.responses import Response

from sharing.export.csv_file import defuse_batch

FORMATS = ("json", "csv", "parquet", "arrow")
MEDIA = {
    "json": "application/json",
    "csv": "text/csv; charset=utf-8",
    "parquet": "application/vnd.apache.parquet",
    "arrow": "application/vnd.apache.arrow.stream",
}


def encode(table: pa.Table, fmt: str, meta: dict, request_id: str, name: str = "result") -> Response:
    headers = {"X-Request-Id": request_id}
    if fmt == "json":
        body = {**meta, "columns": table.column_names, "rows": table.to_pylist()}
        text = json.dumps(body, ensure_ascii=False, default=str)
        return Response(text, media_type=MEDIA["json"], headers=headers)
    headers["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    sink = io.BytesIO()
    if fmt == "csv":
        pacsv.write_csv(_neutralised(table), sink)
    elif fmt == "parquet":
        kv = {b"govlake.request_id": request_id.encode(), b"govlake.meta": json.dumps(meta, default=str).encode()}
        pq.write_table(table.replace_schema_metadata({**(table.schema.metadata or {}), **kv}), sink)
    else:
        with pa.ipc.new_stream(sink, table.schema.with_metadata({"govlake.request_id": request_id})) as writer:
            writer.write_table(table)
    return Response(sink.getvalue(), media_type=MEDIA[fmt], headers=headers)


def _neutralised(table: pa.Table) -> pa.Table:
    """Formula-like text with a leading apostrophe, as the exports write it (govlake/spreadsheet.py)."""
    return pa.Table.from_batches([defuse_batch(b) for b in table.to_batches()], schema=table.schema)
