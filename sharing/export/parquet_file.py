"""An export as Parquet: the export's keys in the file's key-value metadata (govlake.export_id, …)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from .batches import write_batches
from .info import ExportInfo


def write_parquet(
    batches: Iterable[pa.RecordBatch], path: Path, info: ExportInfo, on_rows: Callable[[int], None] | None = None
) -> int:
    def open_writer(schema: pa.Schema) -> pq.ParquetWriter:
        return pq.ParquetWriter(path, schema.with_metadata(info.metadata()), compression="zstd")

    return write_batches(batches, open_writer, on_rows)
