"""Quote-free CSV: parse the delivered bytes, decode only the columns that need it.

The general path (csvparse.py) decodes every byte of a block to UTF-8 before pyarrow
parses it. Most bytes of a GB18030 delivery are ASCII (IDs, codes, dates, amounts), which
need no decoding, yet Python's codec handles them one character at a time. When the body
holds no quote character, a record is exactly one line and a field exactly the bytes
between two commas (0x0A, 0x0D, 0x2C and 0x22 never occur inside a GB18030 or UTF-8
multi-byte character). So, per block of whole lines (PlainCsv):

1. numpy finds the line ends and the commas: a line with the wrong number of fields is
   set aside (quarantined at the end, as the general path does with pyarrow's rejected
   rows) and blanked in place, a blank line is not a record; every other line's record
   number and physical line are known exactly;
2. pyarrow parses the remaining raw bytes into binary columns (no text involved);
3. a column whose bytes are all ASCII is UTF-8 already and becomes text without a copy.
   Any other column is decoded in one codec call over its values joined by LF: GB18030 is
   decoded and re-encoded to UTF-8 and split again, UTF-8 is validated. That yields
   exactly the text the general path produces, because both decoders pass every ASCII
   byte through on its own (an undecodable byte is skipped alone, see transcode.py), so
   decoding a line and decoding its fields one by one cannot differ;
4. a row with a value that did not decode, or that holds U+FDD0/U+FDD1 (reserved by the
   general path), is quarantined with its line's original bytes, as there.

On the 1M-row household register (GB18030, two of eleven columns with Chinese text)
this path took 1.2 s of CPU where decoding everything and parsing took 1.7 s.

A CR that does not end a line breaks the one-record-per-line model (pyarrow ends a
record there): the block raises NotPlain and the caller starts the file over on the
general path. Whether the body holds a quote at all is checked before (quote_free).
"""

from __future__ import annotations

import codecs
import mmap
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from ingest.readers.base import IntegrityError
from ingest.transcode import MARK_CLOSE, MARK_OPEN, BadLine, LongLine, Transcoder

_LF, _CR, _COMMA = 0x0A, 0x0D, 0x2C


def _binary_scalars(*values: bytes) -> list[pa.Scalar]:
    # Built from buffers: pa.scalar() on a Python object makes pyarrow import pandas
    # (0.56 s in each worker's first batch, see worker.py).
    offsets = np.cumsum([0, *map(len, values)], dtype=np.int32)
    arr = pa.Array.from_buffers(pa.binary(), len(values), [None, pa.py_buffer(offsets), pa.py_buffer(b"".join(values))])
    return [arr[i] for i in range(len(values))]


_EMPTY, _SEP = _binary_scalars(b"", b"\n")
_NONCHAR_UTF8 = (MARK_OPEN.encode("utf-8"), MARK_CLOSE.encode("utf-8"))  # EF B7 90, EF B7 91


class NotPlain(Exception):
    """The file is not one record per line after all: read it the general way."""


def quote_free(path: Path, offset: int) -> bool:
    """True if the file holds no quote character from byte `offset` on (one memchr over
    a mapping of the file: 10-30 ms for 130 MB in the page cache)."""
    with open(path, "rb") as fh:
        if os.fstat(fh.fileno()).st_size <= offset:
            return True
        with mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as mm:
            return mm.find(b'"', offset) < 0


_collected = threading.local()


def _collect(exc: UnicodeError):
    if not isinstance(exc, UnicodeDecodeError):
        raise exc
    # Resume one byte later, as the general path's marking handler does (transcode.py):
    # every ASCII byte is decoded on its own.
    _collected.at.append(exc.start)
    return "\ufffd", exc.start + 1


codecs.register_error("govlake.collect", _collect)


def decode_collecting(data, codec: str) -> tuple[str, list[int]]:
    """(text, positions of the undecodable bytes)."""
    _collected.at = found = []
    try:
        text = codecs.decode(data, codec, "govlake.collect")
    finally:
        _collected.at = None
    return text, found


def bad_line(raw: bytes, line: int, codec: str) -> BadLine | None:
    """The BadLine the general path records for this line, None if it decodes cleanly."""
    text, errors = decode_collecting(raw, codec)
    if errors:
        return BadLine(0, line, raw, "undecodable", errors)
    if MARK_OPEN in text or MARK_CLOSE in text:
        return BadLine(0, line, raw, "noncharacter", [])
    return None


@dataclass
class Rejected:
    """A line with the wrong number of fields."""

    number: int  # record number (header excluded, blank lines skipped)
    line: int
    raw: bytes  # without its line end
    fields: int


@dataclass
class Marked:
    """A parsed row that holds undecodable bytes or a reserved noncharacter."""

    line: int
    raw: bytes
    undecodable: list[str] = field(default_factory=list)  # its columns with undecodable bytes
    fdd0: list[str] = field(default_factory=list)  # ... with U+FDD0, with U+FDD1
    fdd1: list[str] = field(default_factory=list)

    def columns(self, reason: str, order: list[str]) -> list[str]:
        """The columns the general path names: those holding its marker character
        (U+FDD0) after decoding, in `order`: for an undecodable line the columns with bad
        bytes and any holding a delivered U+FDD0, for a line with delivered
        noncharacters those holding either."""
        named = set(self.fdd0) | set(self.undecodable if reason == "undecodable" else self.fdd1)
        return [c for c in order if c in named]


class PlainCsv:
    """Iterate to get (batch of text columns, record numbers, {row index: Marked});
    afterwards `records`, `rejected` and `long` are complete. Raises NotPlain (see above)."""

    def __init__(self, tr: Transcoder, file_columns: list[str], columns: list[str]):
        self.tr = tr
        self.codec = tr.decoder.codec
        self.columns = columns
        self.fields = len(file_columns)
        self.records = 0
        self.rejected: list[Rejected] = []
        self.long: list[tuple[int, LongLine]] = []  # (record number, line) of lines over the limit
        self._line = tr.first_line
        self._file_columns = file_columns
        self._convert = pacsv.ConvertOptions(
            column_types={c: pa.binary() for c in file_columns},
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
            include_columns=columns,
        )
        self._parse = pacsv.ParseOptions(
            delimiter=",", quote_char=False, escape_char=False, newlines_in_values=False, ignore_empty_lines=True
        )

    def __iter__(self) -> Iterator[tuple[pa.RecordBatch, np.ndarray, dict[int, Marked]]]:
        for block in self.tr.raw_blocks():
            out = self._block(block)
            if out is not None:
                yield out

    def _block(self, block: bytearray):
        first_line = self._line
        a = np.frombuffer(block, dtype=np.uint8)
        lf = np.flatnonzero(a == _LF)
        ends = lf if block.endswith(b"\n") else np.append(lf, len(block))
        self._line += ends.size
        starts = np.empty_like(ends)
        starts[0] = 0
        starts[1:] = ends[:-1] + 1
        content_end = ends
        if b"\r" in block:
            crlf = np.zeros(ends.size, dtype=bool)
            after = lf > 0  # a block starts at a line start: no CR before an LF at 0
            crlf[: lf.size][after] = a[lf[after] - 1] == _CR
            if np.count_nonzero(a == _CR) != np.count_nonzero(crlf):
                raise NotPlain(f"a CR that does not end a line, in lines {first_line}–{self._line - 1}")
            content_end = ends - crlf
        blank = content_end == starts
        long = self._long_lines(block, starts, ends, first_line)
        commas = np.flatnonzero(a == _COMMA)
        per_line = np.diff(np.searchsorted(commas, ends), prepend=0)
        wrong = ~blank & (per_line != self.fields - 1)
        record = self.records + np.cumsum(~blank)
        self.records = int(record[-1])
        for k, ll in long.items():
            self.long.append((int(record[k]), ll))
            wrong[k] = False
            a[int(starts[k]) : int(ends[k])] = _LF  # blanked in place: the parser skips blank lines
            blank[k] = True

        for k in np.flatnonzero(wrong).tolist():
            s, e = int(starts[k]), int(ends[k])
            self.rejected.append(
                Rejected(int(record[k]), first_line + k, bytes(block[s : int(content_end[k])]), int(per_line[k]) + 1)
            )
            a[s:e] = _LF  # blanked in place: the parser skips blank lines
        good = np.flatnonzero(~blank & ~wrong)  # (blank now includes the long lines set aside)
        if good.size == 0:
            return None

        read = pacsv.ReadOptions(
            use_threads=False, column_names=self._file_columns, block_size=len(block) + 1
        )  # one chunk per column
        try:
            table = pacsv.read_csv(
                pa.BufferReader(pa.py_buffer(block)),
                read_options=read,
                parse_options=self._parse,
                convert_options=self._convert,
            )
        except pa.ArrowInvalid as e:  # the model above does not hold: never load on a guess
            raise NotPlain(f"lines {first_line}–{self._line - 1}: {e}") from e
        if table.num_rows != good.size:  # the model above does not hold: never load on a guess
            raise NotPlain(
                f"parsed {table.num_rows} rows where lines {first_line}–{self._line - 1} hold {good.size} records"
            )
        arrays = []
        marked: dict[int, Marked] = {}
        for name in self.columns:
            col = table.column(name)
            arr, *found = self._text(col.chunk(0) if col.num_chunks == 1 else col.combine_chunks())
            arrays.append(arr)
            for kind, rows in zip(("undecodable", "fdd0", "fdd1"), found):
                for row in rows:
                    m = marked.get(row)
                    if m is None:
                        k = int(good[row])
                        m = marked[row] = Marked(first_line + k, bytes(block[int(starts[k]) : int(content_end[k])]))
                    getattr(m, kind).append(name)
        batch = pa.RecordBatch.from_arrays(arrays, names=self.columns)
        self.lines = first_line + good  # the physical line of each row of this batch
        return batch, record[good], marked

    def _long_lines(self, block, starts: np.ndarray, ends: np.ndarray, first_line: int) -> dict[int, LongLine]:
        """{line index in the block: LongLine} of the lines over the line limit: the
        block the transcoder served in place of a line it read past, or lines of the
        block longer than the limit (one vectorised comparison)."""
        tr = self.tr
        standin = tr.standing_in()
        if standin is not None:
            standin.line = first_line
            return {0: standin}
        if tr.max_line is None or len(block) <= tr.max_line:
            return {}
        found = {}
        for k in np.flatnonzero(ends - starts > tr.max_line).tolist():
            ll = LongLine.of(bytes(block[int(starts[k]) : int(ends[k])]), tr.max_line, tr.keep)
            ll.line = first_line + k
            tr.long_lines.append(ll)
            found[k] = ll
        return found

    def _text(self, col: pa.Array) -> tuple[pa.Array, list[int], list[int], list[int]]:
        """A binary column as text: (string array, rows with undecodable bytes, rows
        holding U+FDD0, rows holding U+FDD1)."""
        n = len(col)
        _, off_buf, data_buf = col.buffers()
        offsets = np.frombuffer(off_buf, dtype=np.int32, count=n + 1, offset=4 * col.offset)
        lo, hi = int(offsets[0]), int(offsets[-1])
        as_text = pa.Array.from_buffers(
            pa.string(), n, [None, off_buf, data_buf or pa.py_buffer(b"")], offset=col.offset
        )
        if hi == lo:
            return as_text, [], [], []  # nothing but empty values
        data = np.frombuffer(data_buf, dtype=np.uint8, count=hi - lo, offset=lo)
        if data.max() < 0x80:
            return as_text, [], [], []  # ASCII: already UTF-8, and no noncharacter possible
        if self.codec == "utf-8":
            try:
                as_text.validate(full=True)  # UTF-8 validity, vectorised
                undecodable = []
            except pa.ArrowInvalid:
                undecodable = self._undecodable_rows(col)
            return (
                as_text,
                undecodable,
                _rows_holding(data, offsets - lo, _NONCHAR_UTF8[0]),
                _rows_holding(data, offsets - lo, _NONCHAR_UTF8[1]),
            )

        joined = pc.binary_join_element_wise(col, _EMPTY, _SEP)  # every value followed by LF
        _, j_off, j_data = joined.buffers()
        j_offsets = np.frombuffer(j_off, dtype=np.int32, count=n + 1, offset=4 * joined.offset)
        text, errors = decode_collecting(memoryview(j_data)[int(j_offsets[0]) : int(j_offsets[-1])], self.codec)
        undecodable = _rows_at(j_offsets - j_offsets[0], errors)
        holding = []
        for ch in (MARK_OPEN, MARK_CLOSE):
            rows, i = [], text.find(ch)
            while i >= 0:
                rows.append(text.count("\n", 0, i))
                i = text.find(ch, i + 1)
            holding.append(sorted(set(rows)))
        utf8 = text.encode("utf-8")
        del text
        whole = pa.Array.from_buffers(
            pa.binary(), 1, [None, pa.py_buffer(np.array([0, len(utf8)], dtype=np.int32)), pa.py_buffer(utf8)]
        )
        parts = pc.split_pattern(whole, "\n").values  # n values and the empty one after the last LF
        if len(parts) != n + 1:
            raise IntegrityError(f"a column of {n} values split into {len(parts) - 1} after decoding")
        _, p_off, p_data = parts.buffers()
        return (
            pa.Array.from_buffers(pa.string(), n, [None, p_off, p_data], offset=parts.offset),
            undecodable,
            *holding,
        )

    def _undecodable_rows(self, col: pa.Array) -> list[int]:
        joined = pc.binary_join_element_wise(col, _EMPTY, _SEP)
        _, j_off, j_data = joined.buffers()
        j_offsets = np.frombuffer(j_off, dtype=np.int32, count=len(col) + 1, offset=4 * joined.offset)
        _, errors = decode_collecting(memoryview(j_data)[int(j_offsets[0]) : int(j_offsets[-1])], self.codec)
        return _rows_at(j_offsets - j_offsets[0], errors)


def _rows_at(offsets: np.ndarray, positions: list[int]) -> list[int]:
    """Indexes of the values (by their offsets) that hold the given byte positions."""
    if not positions:
        return []
    return np.unique(np.searchsorted(offsets, np.asarray(positions), side="right") - 1).tolist()


def _rows_holding(data: np.ndarray, offsets: np.ndarray, needle: bytes) -> list[int]:
    """Indexes of the values holding the 3-byte `needle`, by a vectorised scan."""
    if data.size < 3:
        return []
    first = np.flatnonzero(data[:-2] == needle[0])
    hit = first[(data[first + 1] == needle[1]) & (data[first + 2] == needle[2])]
    return _rows_at(offsets, hit.tolist())
