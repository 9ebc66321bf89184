"""Values over the size limit (ingest/limits.yaml max_value_bytes): their rows are
quarantined (value_too_large), never loaded.

The quarantine keeps each such value's first bytes (quarantine_prefix_bytes), its
size and its sha256, not the value: the delivered file in landing still holds it
whole. The row's text (raw_text) is shown as its format's other quarantined rows are
(a CSV line, a JSON object), with those values cut short. Sizes are UTF-8 bytes of the value as the lake would store it.

For the bulk formats (CSV, JSON Lines) the check is per Arrow batch and vectorised:
a column whose whole value buffer is within the limit cannot hold an oversized value
(one subtraction); otherwise numpy diffs its offsets: 5.8 ms for every batch of a
998,200-row household register (csv_stream.py gives the numbers).
The readers that build rows in Python (JSON, GeoJSON, XLSX) check each value as they
add it (Columns in json_array.py): one length comparison, bytes counted only for a
value that could be over.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from ingest.limits import VALUE_TOO_LARGE, limits
from ingest.readers.base import ReadContext


def value_limits(ctx: ReadContext) -> dict[str, int]:
    """{canonical column: its limit in bytes} for the file's source."""
    lim = limits()
    return {c: lim.value_bytes(c, ctx.source.format) for c in ctx.source.column_names}


def oversized(batch: pa.RecordBatch, allowed: dict[str, int]) -> dict[int, list[tuple[str, int]]]:
    """{row index: [(column, size in bytes), ...]} of the values over their limit."""
    found: dict[int, list[tuple[str, int]]] = {}
    for name, col in zip(batch.schema.names, batch.columns):
        limit = allowed.get(name)
        if limit is None or len(col) == 0:
            continue
        if pa.types.is_large_string(col.type) or pa.types.is_large_binary(col.type):
            width = np.int64
        elif pa.types.is_string(col.type) or pa.types.is_binary(col.type):
            width = np.int32
        else:
            continue
        offsets = np.frombuffer(col.buffers()[1], dtype=width, count=len(col) + 1, offset=col.offset * width().itemsize)
        if offsets[-1] - offsets[0] <= limit:
            continue  # the whole column is within one value's limit
        sizes = np.diff(offsets)
        rows = np.flatnonzero(sizes > limit)
        for row, size in zip(rows.tolist(), sizes[rows].tolist()):
            found.setdefault(row, []).append((name, size))
    return found


@dataclass
class Oversized:
    """A row to quarantine for its oversized values (line filled in when known)."""

    row_no: int
    column: str
    detail: str
    raw_text: str
    line: int | None = None

    def quarantine(self, ctx: ReadContext) -> None:
        ctx.quarantine.add(
            reason=VALUE_TOO_LARGE,
            detail=self.detail,
            line=self.line,
            row_no=self.row_no,
            column=self.column,
            raw_text=self.raw_text,
        )


def describe(
    ctx: ReadContext, row_no: int, values: dict[str, str | None], over: list[tuple[str, int]], line: int | None = None
) -> Oversized:
    """What the quarantine says about a row with oversized values: which columns, how
    big, the limit, each value's sha256; its text with those values cut short."""
    lim = limits()
    keep = lim.quarantine_prefix_bytes
    headers = {v: k for k, v in ctx.source.headers.items()}
    shown = dict(values)
    parts = []
    for col, size in over:
        data = values[col].encode("utf-8")
        shown[col] = data[:keep].decode("utf-8", "ignore") + f"… [{size} bytes]"
        parts.append(
            f"{headers[col]} ({col}) holds {size} bytes, over the limit of {lim.value_bytes(col, ctx.source.format)} "
            f"bytes; sha256 {hashlib.sha256(data).hexdigest()}"
        )
    detail = (
        "; ".join(parts) + f" (max_value_bytes in ingest/limits.yaml). Kept here: its first {keep} bytes; "
        f"the whole value is in the delivered file, still in landing ({ctx.path})"
    )
    return Oversized(row_no, ", ".join(f"{headers[c]} ({c})" for c, _ in over), detail, _text(ctx, shown), line)


def _text(ctx: ReadContext, values: dict[str, str | None]) -> str:
    """The row as its format's quarantine records show rows (what quality reads a
    record's key from): a CSV line in the file's column order, else a JSON object."""
    if ctx.source.format == "csv":
        buf = io.StringIO()
        order = list(ctx.result.column_mapping.values()) or ctx.source.column_names
        csv.writer(buf, lineterminator="").writerow([values.get(c) or "" for c in order])
        return buf.getvalue()
    headers = {v: k for k, v in ctx.source.headers.items()}
    return json.dumps({headers[c]: v for c, v in values.items()}, ensure_ascii=False)


def describe_rows(
    ctx: ReadContext, batch: pa.RecordBatch, row_no: np.ndarray, over: dict[int, list[tuple[str, int]]], lines=None
) -> list[Oversized]:
    """Describe the oversized rows of a batch (`lines`: physical line per row index, if
    known); the caller quarantines them (now, or once their lines are known)."""
    out = []
    for i, cols in sorted(over.items()):
        values = batch.slice(i, 1).to_pylist()[0]
        out.append(
            describe(
                ctx,
                int(row_no[i]),
                {c: values[c] for c in ctx.source.column_names if c in values},
                cols,
                None if lines is None else int(lines[i]),
            )
        )
    return out
