"""Writes one raw Parquet part per delivered file, with the lineage columns.

Every data column is text, exactly as delivered (after decoding). The lineage
columns are `_batch` (text), `_file` (file name), `_row_no` (1-based record
number in the file, header excluded) and `_ingested_at` (UTC timestamp of the
attempt). Arrow batches are buffered to ~128k rows per row group: readers prune
and parallelise by row group, and thousands of tiny groups would slow them.
"""

from __future__ import annotations

import os
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

LINEAGE = ("_batch", "_file", "_row_no", "_ingested_at")
ROW_GROUP_ROWS = 131_072
# snappy, DuckDB's default: writing 1M household rows took 0.41 s with snappy and
# 0.57 s with zstd (dictionary on code columns only) — ingest speed is the
# measured target; compacting to zstd is a later layer's choice.
COMPRESSION = "snappy"
TS_TYPE = pa.timestamp("us", tz="UTC")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


# `_batch` and `_file` hold one value per part. They are handed to the writer
# dictionary-encoded already (one dictionary entry, all indices 0), so it writes
# that dictionary as is instead of hashing every value: 0.04 s instead of 0.08 s
# per 1M rows, statistics included. In the file they are plain Parquet strings;
# the writer is told not to store its Arrow schema (which would say "dictionary"
# to pyarrow readers), so every reader sees the types below as strings.
_CONSTANT = pa.dictionary(pa.int32(), pa.string())


def raw_schema(columns: list[str], *, nullable: bool = True) -> pa.Schema:
    """The schema of the Arrow data handed to the writer (see _CONSTANT). With
    `nullable=False` (CSV, whose values are never null) the text columns are REQUIRED
    in Parquet: no definition levels to encode (nine interleaved writes of 1M household
    rows: best 0.49 s instead of 0.62 s, median 0.68 s instead of 0.72 s), and a reader
    learns they are never null."""
    fields = [pa.field(c, pa.string(), nullable=nullable) for c in columns]
    fields += [
        pa.field("_batch", _CONSTANT, nullable=False),
        pa.field("_file", _CONSTANT, nullable=False),
        pa.field("_row_no", pa.int64(), nullable=False),
        pa.field("_ingested_at", TS_TYPE, nullable=False),
    ]
    return pa.schema(fields)


# The constant columns are built from numpy buffers, never from Python objects: given
# a Python object (pa.scalar(), pa.array()) pyarrow imports pandas, 0.56 s in each
# worker's first batch (see worker.py).


class _Constant:
    """A column repeating one text value: a one-entry dictionary and a cached run
    of zero indices, sliced (pa.repeat() of a string took 2.7 s per 1M rows)."""

    def __init__(self, value: str):
        data = value.encode("utf-8")
        self.dictionary = pa.Array.from_buffers(
            pa.string(), 1, [None, pa.py_buffer(np.array([0, len(data)], dtype=np.int32)), pa.py_buffer(data)]
        )
        self.array = self._run(0)

    def _run(self, size: int) -> pa.Array:
        return pa.DictionaryArray.from_buffers(
            _CONSTANT, size, [None, pa.py_buffer(np.zeros(size, dtype=np.int32))], self.dictionary
        )

    def constant(self, n: int) -> pa.Array:
        if len(self.array) < n:
            self.array = self._run(max(n, 2 * len(self.array), 8192))
        return self.array.slice(0, n)


def int64_array(values: np.ndarray | pa.Array) -> pa.Array:
    """An int64 Arrow array of `values`, without pa.array() (which imports pandas)."""
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    if isinstance(values, pa.Array):
        return values.cast(pa.int64())
    data = np.ascontiguousarray(values, dtype=np.int64)
    return pa.Array.from_buffers(pa.int64(), len(data), [None, pa.py_buffer(data)])


class _Timestamp:
    """A column repeating one UTC timestamp: a cached run of it, sliced."""

    def __init__(self, at: datetime):
        if at.tzinfo is None:  # as pyarrow takes a naive datetime: UTC
            at = at.replace(tzinfo=UTC)
        self.micros = (at - _EPOCH) // timedelta(microseconds=1)
        self.array = self._run(0)

    def _run(self, size: int) -> pa.Array:
        return pa.Array.from_buffers(TS_TYPE, size, [None, pa.py_buffer(np.full(size, self.micros, dtype=np.int64))])

    def constant(self, n: int) -> pa.Array:
        if len(self.array) < n:
            self.array = self._run(max(n, 2 * len(self.array), 8192))
        return self.array.slice(0, n)


class PartWriter:
    """Appends decoded rows of one file to `path`; always leaves a valid file on close."""

    def __init__(
        self,
        path: Path,
        columns: list[str],
        *,
        batch: str,
        file_name: str,
        ingested_at: datetime,
        dictionary_columns: list[str] = (),
        metadata: dict[str, str] | None = None,
        nullable: bool = True,
    ):
        self.path = Path(path)
        self.columns = list(columns)
        self.batch = batch
        self.file_name = file_name
        self._ingested_at = _Timestamp(ingested_at)
        self.schema = raw_schema(self.columns, nullable=nullable)
        # Dictionary encoding only where it pays: code columns and the constant
        # lineage text. On every column it cost 65% more write time (1.54 s vs
        # 0.93 s per 1M household rows of the synthetic city): IDs and names fall
        # back to plain after trying.
        self._dict_cols = [c for c in dictionary_columns if c in self.columns] + ["_batch", "_file"]
        self._writer = self._open()
        self._batch_col = _Constant(batch)
        self._file_col = _Constant(file_name)
        self._buffer: list[pa.RecordBatch] = []
        self._buffered = 0
        self.rows = 0
        # Row groups are encoded and compressed on a background thread: pyarrow
        # releases the GIL there, so it overlaps with decoding and parsing the next
        # rows. One group in flight at a time keeps memory bounded and order kept.
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="parquet-writer")
        self._pending: Future | None = None
        self._footer: dict[str, str] = dict(metadata or {})  # key-value metadata, written at close

    def _open(self) -> pq.ParquetWriter:
        # Min/max statistics only for the lineage columns: on 1M rows of real text
        # columns they cost 0.3 s of a 0.9 s write, and the raw layer is read by full
        # scans (staging models), not by range lookups.
        return pq.ParquetWriter(
            str(self.path),
            self.schema,
            compression=COMPRESSION,
            use_dictionary=self._dict_cols,
            write_statistics=list(LINEAGE),
            store_schema=False,
        )

    def restart(self) -> None:
        """Drop every row written so far and begin the part again (a reader that
        found it must read the file another way, readers/csv_stream.py)."""
        self._buffer, self._buffered = [], 0
        try:
            self._wait()
        except Exception:
            pass
        self._writer.close()
        self._writer = self._open()  # truncates the file
        self.rows = 0

    def write(self, data: pa.Table | pa.RecordBatch, row_no: np.ndarray | pa.Array, *, skip: list[int] = ()) -> None:
        """`data` holds the canonical columns (any order, all text); `row_no` one int
        per row. Rows at the (ascending) indexes `skip` are left out: the rest goes in
        as zero-copy slices (a filter copied every column, ~0.5 s per 1M rows)."""
        n = data.num_rows
        if n == 0:
            return
        if len(row_no) != n:
            raise ValueError(f"{n} rows but {len(row_no)} row numbers")
        arrays = []
        for name in self.columns:
            col = data.column(name)
            if isinstance(col, pa.ChunkedArray):
                col = col.combine_chunks()
            arrays.append(col.cast(pa.string()) if col.type != pa.string() else col)
        arrays += [
            self._batch_col.constant(n),
            self._file_col.constant(n),
            int64_array(row_no),
            self._ingested_at.constant(n),
        ]
        full = pa.RecordBatch.from_arrays(arrays, schema=self.schema)
        start = 0
        for i in skip:
            if i > start:
                self._append(full.slice(start, i - start))
            start = i + 1
        if start < n:
            self._append(full.slice(start) if start else full)

    def _append(self, rows: pa.RecordBatch) -> None:
        self._buffer.append(rows)
        self._buffered += rows.num_rows
        self.rows += rows.num_rows
        if self._buffered >= ROW_GROUP_ROWS:
            self._flush()

    def write_pylists(self, columns: dict[str, list], row_no: list[int]) -> None:
        """For the readers that build rows in Python (xlsx, json arrays, geojson)."""
        if not row_no:
            return
        table = pa.table({c: pa.array(columns[c], type=pa.string()) for c in self.columns})
        self.write(table, np.asarray(row_no, dtype=np.int64))

    def _flush(self) -> None:
        if self._buffer:
            table = pa.Table.from_batches(self._buffer, self.schema)
            self._buffer, self._buffered = [], 0
            self._wait()
            self._pending = self._pool.submit(self._writer.write_table, table, row_group_size=max(table.num_rows, 1))

    def _wait(self) -> None:
        if self._pending is not None:
            pending, self._pending = self._pending, None
            pending.result()  # re-raises a write error here, in the reader's thread

    def add_metadata(self, metadata: dict[str, str]) -> None:
        """More footer key-value metadata, known only after reading (e.g. the file's
        sha256); applied at close, once the background write is done with the writer."""
        self._footer.update(metadata)

    def close(self) -> int:
        self._flush()
        try:
            self._wait()
        finally:
            self._pool.shutdown()
        if self._footer:
            self._writer.add_key_value_metadata(self._footer)
        self._writer.close()
        # The commit renames directories; the data must be on disk before that.
        fd = os.open(self.path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        return self.rows

    def abort(self) -> None:
        try:
            try:
                self._wait()
            except Exception:
                pass  # the file is being thrown away anyway
            self._pool.shutdown()
            self._writer.close()
        finally:
            self.path.unlink(missing_ok=True)
