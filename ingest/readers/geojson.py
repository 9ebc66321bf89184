"""A GeoJSON FeatureCollection -> raw Parquet: one row per feature.

Columns are the feature's properties plus `geometry`, the geometry object as
compact JSON text keeping its coordinates' literals. The first feature's
property names (+ geometry) are the file's header. Members of the collection
other than type/features (name, crs, bbox ...) are kept verbatim in the
manifest's notes; members of features other than type/properties/geometry (id,
bbox ...) are not registry columns and are counted in the notes, so nothing is
dropped silently.

Whole-document format, exempt from the vectorisation rule, but no Python work
per coordinate: the document is walked member by member with the json module's
C scanner (which also gives each feature's position, hence its line). Only the
small `properties` objects are parsed with the exact-number hooks; a geometry is
compacted by deleting the whitespace of its source text (JSON strings cannot
hold raw whitespace other than spaces, checked first), so its literals stay as
delivered. (Re-serialising every coordinate in Python cost 160 µs per feature:
13 s for the 81k parcels of the 1M-person city.)
"""

from __future__ import annotations

import json
import re
import sys
from collections import Counter
from json.decoder import scanstring

from ingest.readers.base import FileUnreadable, ReadContext, check_header
from ingest.readers.json_array import Columns, quarantine_members
from ingest.readers.jsontext import HOOKS, Obj, compact, value_text
from ingest.transcode import MARK_OPEN, decode_whole

_WS = re.compile(r"[ \t\n\r]*")
_STRING = re.compile(r'"(?:\\.|[^"\\])*"')
_DELETE_WS = str.maketrans("", "", " \t\n\r")
_FAST = json.JSONDecoder()  # C scanner, floats: to find where a value ends
_SCAN = _FAST.scan_once
_EXACT = json.JSONDecoder(**HOOKS)


class _Syntax(ValueError):
    def __init__(self, msg: str, pos: int):
        super().__init__(msg)
        self.pos = pos


def _value_end(text: str, pos: int) -> int:
    """Where the JSON value at `pos` ends (the C scanner, skipping the Python wrapper)."""
    try:
        return _SCAN(text, pos)[1]
    except StopIteration as e:
        raise _Syntax("expected a value", e.value) from None
    except json.JSONDecodeError as e:
        raise _Syntax(e.msg, e.pos) from None


def _walk(text: str, pos: int, on_member) -> int:
    """Walk the object at `pos`: on_member(key, value_start) returns the value's end
    (or None to skip it normally). Returns the position after the object."""
    pos = _WS.match(text, pos).end()
    if text[pos : pos + 1] != "{":
        raise _Syntax("expected an object", pos)
    pos = _WS.match(text, pos + 1).end()
    if text[pos : pos + 1] == "}":
        return pos + 1
    while True:
        if text[pos : pos + 1] != '"':
            raise _Syntax("expected a member name", pos)
        key, pos = scanstring(text, pos + 1)
        pos = _WS.match(text, pos).end()
        if text[pos : pos + 1] != ":":
            raise _Syntax("expected ':'", pos)
        start = _WS.match(text, pos + 1).end()
        end = on_member(key, start)
        pos = _WS.match(text, end if end is not None else _value_end(text, start)).end()
        if text[pos : pos + 1] == ",":
            pos = _WS.match(text, pos + 1).end()
            continue
        if text[pos : pos + 1] == "}":
            return pos + 1
        raise _Syntax("expected ',' or '}'", pos)


def _members(text: str, pos: int) -> tuple[list[tuple[str, int, int]], int]:
    """(key, value start, value end) of the object at `pos`, duplicates kept; and its end."""
    out: list[tuple[str, int, int]] = []

    def member(key, start):
        end = _value_end(text, start)
        out.append((key, start, end))
        return end

    return out, _walk(text, pos, member)


def compact_text(source: str) -> str:
    """Compact JSON text of a value, literals untouched: delete insignificant whitespace."""
    if any(" " in s for s in _STRING.findall(source)):
        return compact(_EXACT.decode(source))  # a string with spaces: re-serialise exactly
    return source.translate(_DELETE_WS)


def read_geojson(ctx: ReadContext) -> None:
    text, decoder, ctx.result.bom, _ = decode_whole(ctx.path, ctx.source.encoding)
    if not text.strip():
        raise FileUnreadable(f"{ctx.file_name}: the file is empty — expected a GeoJSON FeatureCollection")
    reader = _FeatureReader(ctx, text, decoder)
    try:
        end = _walk(text, 0, reader.top_member)
        if text[end:].strip():
            raise _Syntax("unexpected text after the document", end)
    except (_Syntax, json.JSONDecodeError) as e:
        msg = e.msg if isinstance(e, json.JSONDecodeError) else e.args[0]
        line = text.count("\n", 0, e.pos) + 1
        raise FileUnreadable(
            f"{ctx.file_name}: not valid JSON at line {line} column {e.pos - text.rfind(chr(10), 0, e.pos)}: {msg}"
        ) from e
    except RecursionError:
        raise FileUnreadable(
            f"{ctx.file_name}: a value is nested too deeply to read (over {sys.getrecursionlimit()} levels)"
        ) from None
    reader.finish()


class _FeatureReader:
    """Reads the features while the top-level object is walked (each value scanned once)."""

    def __init__(self, ctx: ReadContext, text: str, decoder):
        self.ctx, self.text, self.decoder = ctx, text, decoder
        self.headers = dict(ctx.source.headers)
        self.expected = set(self.headers)
        self.geometry_header = next((h for h, n in self.headers.items() if n == "geometry"), "geometry")
        self.cols = Columns(ctx)
        self.mapping = None
        self.kind = None
        self.seen_features = False
        self.foreign: Counter = Counter()
        self.line, self.counted_to = 1, 0

    def top_member(self, key: str, start: int) -> int:
        text = self.text
        if key == "features" and not self.seen_features and text[start : start + 1] == "[":
            self.seen_features = True
            return self._features(start)
        end = _value_end(text, start)
        if key == "type" and self.kind is None:
            self.kind = _FAST.decode(text[start:end])
        elif key != "type":
            self.ctx.result.notes.append(f"collection member {key}: {compact_text(text[start:end])}")
        return end

    def _features(self, start: int) -> int:
        text = self.text
        pos = _WS.match(text, start + 1).end()
        if text[pos : pos + 1] == "]":
            return pos + 1
        index = 0
        while True:
            index += 1
            pos = self._feature(index, pos)
            pos = _WS.match(text, pos).end()
            if text[pos : pos + 1] == ",":
                pos = _WS.match(text, pos + 1).end()
                continue
            if text[pos : pos + 1] == "]":
                return pos + 1
            raise _Syntax("expected ',' or ']'", pos)

    def _feature(self, index: int, start: int) -> int:
        ctx, text = self.ctx, self.text
        self.line += text.count("\n", self.counted_to, start)
        self.counted_to = start
        ctx.result.rows_read += 1
        if text[start : start + 1] != "{":
            end = _value_end(text, start)
            ctx.quarantine.add(
                reason="not_a_feature",
                detail="not a GeoJSON Feature (not an object)",
                line=self.line,
                row_no=index,
                raw_text=text[start:end],
            )
            return end
        members, end = _members(text, start)
        raw_text = text[start:end]
        if MARK_OPEN in raw_text:
            quarantine_members(ctx, self.decoder, index, self.line, None, raw_text, self.expected)
            return end
        row = self._row(members)
        if row is None:
            ctx.quarantine.add(
                reason="not_a_feature",
                detail="not a GeoJSON Feature with properties",
                line=self.line,
                row_no=index,
                raw_text=raw_text,
            )
            return end
        if self.mapping is None:
            self.mapping = check_header(ctx.source, ctx.file_name, row.names(), what="property")
        if not quarantine_members(ctx, self.decoder, index, self.line, row, raw_text, self.expected):
            headers = self.headers
            self.cols.add({headers[k]: v for k, v in row}, index, self.line)
        return end

    def _row(self, members):
        """The feature's properties as text values + geometry, or None if not a Feature."""
        text = self.text
        by_key = {k: (s, e) for k, s, e in reversed(members)}  # the first occurrence wins
        if "type" not in by_key or _FAST.decode(text[slice(*by_key["type"])]) != "Feature":
            return None
        props = _EXACT.decode(text[slice(*by_key["properties"])]) if "properties" in by_key else None
        if not isinstance(props, (Obj, type(None))):
            return None
        row = Obj((k, value_text(v)) for k, v in (props or []))
        if "geometry" in by_key:
            geometry = text[slice(*by_key["geometry"])]
            row.append((self.geometry_header, None if geometry == "null" else compact_text(geometry)))
        self.foreign.update(k for k, _, _ in members if k not in ("type", "properties", "geometry"))
        return row

    def finish(self) -> None:
        ctx = self.ctx
        if self.kind != "FeatureCollection" or not self.seen_features:
            raise FileUnreadable(f"{ctx.file_name}: not a GeoJSON FeatureCollection with a 'features' array")
        self.cols.flush()
        for k, n in sorted(self.foreign.items()):
            ctx.result.notes.append(
                f"{n} feature(s) carry member {k!r}, which is not a registry column and was not loaded"
            )
        ctx.result.column_mapping = self.mapping or dict(self.headers)
