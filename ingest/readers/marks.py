"""Which parsed CSV rows hold undecodable-byte markers (see transcode.py).

The transcoder replaces each undecodable byte by its line's marker and keeps the
line; the parser then yields the marked record like any other, and it must be
quarantined instead of written. Two ways to find those rows in a batch:

- by number, while the file's layout is plain (lines.Layout: record n on line
  n + 1): a bad line L is record L - 1, located in the batch's record numbers
  with one searchsorted, and the candidate rows are checked to hold the marker;
- by scanning every column's value buffer for the marker bytes, otherwise (or
  once a check has failed). On the 1M-row household file of the synthetic city
  (891 rows with undecodable bytes) the scan took 0.06 s, the lookup 0.01 s.

A bad line whose record the parser rejected (wrong number of fields) is not in
the batch: the caller quarantines it from the rejected row's text. The caller also
checks at the end that every bad line was met in some row, which no layout model
can get wrong silently.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from ingest.parquet import int64_array
from ingest.transcode import MARK_OPEN, Transcoder

_MARK_BYTES = np.frombuffer(MARK_OPEN.encode("utf-8"), dtype=np.uint8)  # EF B7 90


class MarkedRows:
    def __init__(self, tr: Transcoder):
        self.tr = tr
        self._next_id = 0  # bad lines with a smaller id belong to earlier batches
        self._by_number_ok = True  # until a candidate row fails its check

    def find(self, batch: pa.RecordBatch, row_no: np.ndarray) -> dict[int, dict[str, str]]:
        """{row index: {column: value}} of the rows holding markers, for the columns
        that hold them. `row_no` are the rows' record numbers (ascending)."""
        bad = self.tr.bad_lines
        if not bad:
            return {}
        last = int(row_no[-1])
        ids = []
        # The transcoder (pyarrow's reader thread) may be adding lines meanwhile, or
        # withdrawing those of the block it is redoing: hence .get.
        while (bl := bad.get(self._next_id)) is not None and bl.line - 1 <= last:
            ids.append(self._next_id)
            self._next_id += 1
        if self._by_number_ok and self.tr.layout.plain:
            found = self._by_number(batch, row_no, ids)
            if found is not None:
                return found
            self._by_number_ok = False  # the layout model failed once: scan from now on
        return _values(batch, _scan(batch))

    def _by_number(self, batch: pa.RecordBatch, row_no: np.ndarray, ids: list[int]):
        if not ids:
            return {}
        bad = self.tr.bad_lines
        records = np.fromiter((bad[i].line - 1 for i in ids), dtype=np.int64, count=len(ids))
        at = np.minimum(np.searchsorted(row_no, records), len(row_no) - 1)
        hit = row_no[at] == records
        rows = at[hit].tolist()
        found = _values(batch, rows)
        for row, i in zip(rows, np.asarray(ids)[hit].tolist()):
            if not any(bad[i].marker in v for v in found[row].values()):
                return None  # the layout model does not hold here: scan instead
        return found


def _values(batch: pa.RecordBatch, rows: list[int]) -> dict[int, dict[str, str]]:
    if not rows:
        return {}
    taken = batch.take(int64_array(np.asarray(rows))).to_pydict()
    return {row: {c: taken[c][k] for c in batch.schema.names if MARK_OPEN in taken[c][k]} for k, row in enumerate(rows)}


def _scan(batch: pa.RecordBatch) -> list[int]:
    """Indexes of rows with a marker in any column: numpy over each column's UTF-8
    value buffer (zero-copy), hits mapped to rows through the offsets."""
    found: set[int] = set()
    for col in batch.columns:
        bufs = col.buffers()
        if bufs[2] is None or len(col) == 0:
            continue
        data = np.frombuffer(bufs[2], dtype=np.uint8)
        cand = np.flatnonzero(data[:-2] == _MARK_BYTES[0])
        if cand.size == 0:
            continue
        hits = cand[(data[cand + 1] == _MARK_BYTES[1]) & (data[cand + 2] == _MARK_BYTES[2])]
        if hits.size == 0:
            continue
        width = np.int64 if pa.types.is_large_string(col.type) else np.int32
        offsets = np.frombuffer(bufs[1], dtype=width)[col.offset : col.offset + len(col) + 1]
        rows = np.searchsorted(offsets, hits, side="right") - 1
        found.update(rows[(rows >= 0) & (rows < len(col))].tolist())
    return sorted(found)
