"""An export as Parquet: the export's keys in the file's key-value metadata (govlake.export_id, …)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from .info import ExportInfo


def write_parquet(
    batches: Iterable[pa.RecordBatch], path: Path, info: ExportInfo, on_rows: Callable[[int], None] | None = None
) -> int:
    rows, writer = 0, None
    try:
        for batch in batches:
            if writer is None:
                schema = batch.schema.with_metadata(info.metadata())
                writer = pq.ParquetWriter(path, schema, compression="zstd")
            writer.write_batch(batch)
            rows += batch.num_rows
            if on_rows:
                on_rows(batch.num_rows)
    finally:
        if writer is not None:
            writer.close()
    return rows
