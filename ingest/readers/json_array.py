"""A JSON array of objects -> raw Parquet.

A whole-document format, so not streamed: the file is decoded (undecodable bytes
marked, see transcode.py) and walked element by element with
`JSONDecoder.raw_decode`, which gives each element's position and hence its line.
The first object's keys are the file's header. Exempt from the vectorisation
rule (only CSV and JSON Lines are bulk sources); rows are flushed to Parquet in
chunks so memory stays bounded by the document, not by Python row objects.

A document that is not valid JSON has no trustworthy record boundaries: the file
is rejected whole, with the line and column of the error; so is one whose element
nests deeper than Python's recursion limit (the element's end is then unknown).
"""

from __future__ import annotations

import json
import re
import sys

from ingest.readers.base import FileUnreadable, ReadContext, check_header
from ingest.readers.jsontext import HOOKS, Obj, key_differences, value_text
from ingest.readers.sizes import describe, value_limits
from ingest.transcode import MARK_OPEN, codec_for, decode_whole

FLUSH_ROWS = 50_000
_WS = re.compile(r"[ \t\n\r]*")


class Columns:
    """Column lists for rows built in Python, flushed to the part writer in chunks.
    A row with a value over its size limit is quarantined instead (readers/sizes.py)."""

    def __init__(self, ctx: ReadContext):
        self.ctx = ctx
        self.names = ctx.source.column_names
        self.allowed = value_limits(ctx)
        # A value of at most limit/4 characters is within the limit (UTF-8: at most
        # 4 bytes a character): its bytes are counted only when it is longer.
        self._short = {n: limit // 4 for n, limit in self.allowed.items()}
        self._reset()

    def _reset(self):
        self.cols = {n: [] for n in self.names}
        self.row_no: list[int] = []

    def add(self, values: dict[str, str | None], row_no: int, line: int | None = None) -> None:
        short = self._short
        if any(v is not None and len(v) > short[n] for n, v in values.items()):
            over = [
                (n, size) for n, v in values.items() if v is not None and (size := len(v.encode())) > self.allowed[n]
            ]
            if over:
                describe(self.ctx, row_no, values, over, line).quarantine(self.ctx)
                return
        for n in self.names:
            self.cols[n].append(values.get(n))
        self.row_no.append(row_no)
        if len(self.row_no) >= FLUSH_ROWS:
            self.flush()

    def flush(self) -> None:
        self.ctx.writer.write_pylists(self.cols, self.row_no)
        self._reset()


def quarantine_members(
    ctx: ReadContext, decoder, index: int, line: int | None, obj, raw_text: str, expected: set[str]
) -> bool:
    """Quarantine an element that is not a loadable object; True if it was."""
    enc = ctx.source.encoding
    if MARK_OPEN in raw_text:
        bad = decoder.lines_for(raw_text)
        raw = b"\n".join(b.raw for b in bad)
        ctx.quarantine.add(
            reason="undecodable" if all(b.reason == "undecodable" for b in bad) else "noncharacter",
            detail=bad[0].detail(enc) if len(bad) == 1 else "; ".join(f"line {b.line}: {b.detail(enc)}" for b in bad),
            line=bad[0].line if bad else line,
            row_no=index,
            raw_text=raw.decode(codec_for(enc), "replace"),
            raw_bytes=raw,
        )
        return True
    if not isinstance(obj, Obj):
        ctx.quarantine.add(
            reason="not_an_object", detail="element is not a JSON object", line=line, row_no=index, raw_text=raw_text
        )
        return True
    keys = obj.names()
    if len(keys) != len(set(keys)) or set(keys) != expected:
        ctx.quarantine.add(
            reason="fields_differ",
            detail="keys differ from the header: " + key_differences(ctx.source.headers, expected, keys),
            line=line,
            row_no=index,
            raw_text=raw_text,
        )
        return True
    return False


def read_json(ctx: ReadContext) -> None:
    source, result = ctx.source, ctx.result
    text, decoder, result.bom, _ = decode_whole(ctx.path, source.encoding)
    dec = json.JSONDecoder(**HOOKS)
    headers = dict(source.headers)  # a computed property: look it up once, not per value
    expected = set(headers)
    mapping = None
    cols = Columns(ctx)

    def fail(msg: str, pos: int):
        line = text.count("\n", 0, pos) + 1
        col = pos - text.rfind("\n", 0, pos)
        raise FileUnreadable(f"{ctx.file_name}: not a valid JSON array at line {line} column {col}: {msg}")

    pos = _WS.match(text, 0).end()
    if pos >= len(text):
        raise FileUnreadable(f"{ctx.file_name}: the file is empty — expected a JSON array of objects")
    if text[pos] != "[":
        fail("expected '[' (a JSON array of objects)", pos)
    pos = _WS.match(text, pos + 1).end()
    index, line, counted_to = 0, 1, 0
    if pos < len(text) and text[pos] == "]":
        pos += 1
    else:
        while True:
            line += text.count("\n", counted_to, pos)
            counted_to = pos
            try:
                obj, end = dec.raw_decode(text, pos)
            except json.JSONDecodeError as e:
                fail(e.msg, e.pos)
            except RecursionError:  # where the element ends is unknown: the file is rejected
                fail(f"element {index + 1} is nested too deeply to read (over {sys.getrecursionlimit()} levels)", pos)
            index += 1
            raw_text = text[pos:end]
            result.rows_read += 1
            if mapping is None and isinstance(obj, Obj) and MARK_OPEN not in raw_text:
                mapping = check_header(source, ctx.file_name, obj.names(), what="key")
            if not quarantine_members(ctx, decoder, index, line, obj, raw_text, expected):
                cols.add({headers[k]: value_text(v) for k, v in obj}, index, line)
            pos = _WS.match(text, end).end()
            if pos < len(text) and text[pos] == ",":
                pos = _WS.match(text, pos + 1).end()
                continue
            if pos < len(text) and text[pos] == "]":
                pos += 1
                break
            fail("expected ',' or ']' after an element", pos)
    pos = _WS.match(text, pos).end()
    if pos != len(text):
        fail("unexpected text after the array", pos)
    cols.flush()
    result.column_mapping = mapping or dict(source.headers)
