"""The loop every export format shares: open the writer on the first batch's schema, write each
batch, count its rows for the progress bar, close the writer whatever happens."""

from __future__ import annotations

from collections.abc import Callable, Iterable

import pyarrow as pa


def write_batches(
    batches: Iterable[pa.RecordBatch],
    open_writer: Callable[[pa.Schema], object],
    on_rows: Callable[[int], None] | None = None,
    prepare: Callable[[pa.RecordBatch], pa.RecordBatch] = lambda batch: batch,
) -> int:
    """Rows written. A stream yields at least one (possibly empty) batch, so even an empty export
    gets its columns."""
    rows, writer = 0, None
    try:
        for batch in batches:
            if writer is None:
                writer = open_writer(batch.schema)
            writer.write_batch(prepare(batch))
            rows += batch.num_rows
            if on_rows:
                on_rows(batch.num_rows)
    finally:
        if writer is not None:
            writer.close()
    return rows
