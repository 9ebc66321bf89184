"""JSON Lines -> raw Parquet, streaming and vectorised.

Lines are split by pyarrow's CSV reader set up as a one-column line reader
(delimiter 0x1E, which valid JSON never contains unescaped; no quoting; blank
lines kept, so a row's position *is* its physical line number). The stream of
Arrow batches is handed to DuckDB as one RecordBatchReader and parsed by ONE
SQL statement, streamed back batch by batch. (One statement per batch cost
~30 ms of planning each — 3 s per 100 MB; one statement for the file ~1 s.)

SQL does the bulk work: a line is loadable when it holds no undecodable-byte
marker and parses to an object with exactly the registry's keys; its members
come out of one json_transform. Values become text as delivered: strings
unescaped, null -> NULL, nested objects/arrays and true/false as JSON text.
Numbers keep their literal: DuckDB renders numbers through a double (1.50 ->
1.5, 3.14159265358979323846 -> 3.141592653589793), so for values that look
numeric the literal is cut out of the line with a regex keyed on the member
name and used when it denotes the same number (a guard against matching a
nested member of the same name; a quoted "371602" never matches, being quoted).

The few lines that are not loadable are classified in Python (blank, malformed,
not an object, keys differ, undecodable, nested too deeply) and quarantined. The file's header is
the key set of its first object: if that object's keys differ from the
registry, the file is rejected whole.

_row_no is the physical line number (each line is a record; blank lines are not
records and are skipped, counted in the manifest).
"""

from __future__ import annotations

import json
import sys
import uuid

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from govlake.registry import Source
from ingest import duck
from ingest.limits import limits
from ingest.readers.base import FileUnreadable, HeaderMismatch, ReadContext
from ingest.readers.jsontext import Obj, key_differences
from ingest.readers.rownum import RowNumberer
from ingest.readers.sizes import describe_rows, oversized, value_limits
from ingest.transcode import MARK_OPEN, Transcoder, codec_for

BLOCK_SIZE = 1 << 20
_NUMBER = r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?"
_RE2_SPECIAL = set(r"\.+*?()|[]{}^$")


def _sql_str(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


def _re2_escape(s: str) -> str:
    return "".join("\\" + c if c in _RE2_SPECIAL else c for c in s)


def _value_sql(key: str, alias: str) -> str:
    v = f"struct_extract(v, {_sql_str(key)})"
    member = _re2_escape(json.dumps(key, ensure_ascii=False)[1:-1])
    pattern = _sql_str(r'[{,]\s*"' + member + r'"\s*:\s*(' + _NUMBER + ")")
    raw = f"regexp_extract(line, {pattern}, 1)"
    return (
        f"CASE WHEN _has_number AND regexp_full_match({v}, {_sql_str(_NUMBER)}) "
        f'AND TRY_CAST({raw} AS DOUBLE) = TRY_CAST({v} AS DOUBLE) THEN {raw} ELSE {v} END AS "{alias}"'
    )


def object_sql(source: Source, table: str) -> str:
    """SQL over `table`(line, _line): _ok and the canonical columns of loadable lines.

    Internal columns start with "_": registry names cannot (^[a-z]), so no clash.
    """
    keys = list(source.headers)
    spec = json.dumps({k: "VARCHAR" for k in keys}, ensure_ascii=False)
    expected = "[" + ", ".join(_sql_str(k) for k in sorted(keys)) + "]"
    values = ",\n    ".join(_value_sql(k, source.headers[k]) for k in keys)
    return f"""
WITH checked AS (
    SELECT _line, line,
        NOT contains(line, {_sql_str(MARK_OPEN)})
        AND coalesce(list_sort(TRY(json_keys(line))) = list_sort({expected}), false) AS _ok
    FROM {table}
), parsed AS (
    SELECT *, CASE WHEN _ok THEN json_transform(line, {_sql_str(spec)}) END AS v,
        -- cheap gate (one regex per line): only lines with a number after a key
        -- pay for the per-member literal check below
        regexp_matches(line, '"[ \t]*:[ \t]*-?[0-9]') AS _has_number
    FROM checked
)
SELECT _line, _ok, CASE WHEN NOT _ok THEN line END AS _bad_line,
    {values}
FROM parsed
"""


def read_jsonl(ctx: ReadContext) -> None:
    source = ctx.source
    lim = limits()
    tr = Transcoder(
        ctx.path, source.encoding, hasher=ctx.hasher, max_line=lim.max_line_bytes, keep=lim.quarantine_prefix_bytes
    )
    con = duck.connection(ctx.lake)
    view = f"lines_{uuid.uuid4().hex[:8]}"
    rejects: list[tuple[int | None, str]] = []
    numbers = RowNumberer()

    def on_invalid(row) -> str:
        # Only a line holding the control character 0x1E gets here: not JSON.
        rejects.append((row.number, row.text))
        if row.number is not None:
            numbers.rejected.append(row.number)
        return "skip"

    try:
        tr.start()
        ctx.result.bom = tr.bom
        if tr.at_eof:
            ctx.result.column_mapping = dict(source.headers)
            return  # an empty delivery: zero records
        reader = pacsv.open_csv(
            tr,
            # A block must hold the longest line the transcoder lets through, decoded.
            read_options=pacsv.ReadOptions(
                use_threads=False, block_size=max(BLOCK_SIZE, 4 * lim.max_line_bytes), column_names=["line"]
            ),
            parse_options=pacsv.ParseOptions(
                delimiter="\x1e",
                quote_char=False,
                escape_char=False,
                double_quote=False,
                newlines_in_values=False,
                ignore_empty_lines=False,
                invalid_row_handler=on_invalid,
            ),
            convert_options=pacsv.ConvertOptions(
                column_types={"line": pa.string()}, strings_can_be_null=False, check_utf8=False
            ),  # the Transcoder emits valid UTF-8
        )
        schema = pa.schema([("line", pa.string()), ("_line", pa.int64())])

        def lines():
            for batch in reader:
                if batch.num_rows:
                    yield pa.RecordBatch.from_arrays(
                        [batch.column(0), pa.array(numbers.next(batch.num_rows))], schema=schema
                    )

        # connection() keeps preserve_insertion_order on: the header is the *first* object
        con.register(view, pa.RecordBatchReader.from_batches(schema, lines()))
        state = _State(ctx, tr)
        for out in con.sql(object_sql(source, view)).to_arrow_reader():
            state.emit(out)
        ctx.result.column_mapping = dict(source.headers)
    except (duckdb.Error, OSError, pa.ArrowInvalid) as e:
        duck.reset()
        raise FileUnreadable(f"{ctx.file_name}: not readable as JSON Lines: {e}") from e
    except BaseException:
        duck.reset()  # the query may be left half-read (e.g. header drift found mid-stream)
        raise
    else:
        con.unregister(view)
    finally:
        tr.close()
    for number, text in rejects:
        ctx.result.rows_read += 1
        ctx.quarantine.add(
            reason="malformed_json",
            detail="not valid JSON (holds the control character U+001E)",
            line=number,
            row_no=number,
            raw_text=text,
        )


class _State:
    def __init__(self, ctx: ReadContext, tr: Transcoder):
        self.ctx, self.tr = ctx, tr
        self.header_seen = False
        self.expected = set(ctx.source.headers)
        self.allowed = value_limits(ctx)

    def emit(self, out: pa.RecordBatch) -> None:
        ctx = self.ctx
        ok = out.column("_ok").to_numpy(zero_copy_only=False)
        line_no = out.column("_line").to_numpy()
        over = oversized(out, self.allowed)  # a line not ok has no values: never over
        if over:
            for o in describe_rows(ctx, out, line_no, over, line_no):
                o.quarantine(ctx)
            ctx.result.rows_read += len(over)
            self.header_seen = True  # each was an object with the registry's keys
            keep = np.ones(len(ok), dtype=bool)
            keep[list(over)] = False
            out, ok, line_no = out.filter(pa.array(keep)), ok[keep], line_no[keep]
            if not len(ok):
                return
        if ok.all():
            self.header_seen = True
            ctx.result.rows_read += len(ok)
            ctx.writer.write(out, line_no)
            return
        bad_idx = np.flatnonzero(~ok)
        first_ok = int(np.argmax(ok)) if ok.any() else None
        bad_lines = out.column("_bad_line").take(pa.array(bad_idx)).to_pylist()
        for i, text in zip(bad_idx.tolist(), bad_lines):
            self._bad(
                int(line_no[i]), text, before_first_ok=not self.header_seen and (first_ok is None or i < first_ok)
            )
        if first_ok is not None:
            self.header_seen = True
        ctx.result.rows_read += int(ok.sum())
        ctx.writer.write(out.filter(pa.array(ok)), line_no[ok])

    def _bad(self, n: int, text: str, *, before_first_ok: bool) -> None:
        ctx, enc = self.ctx, self.ctx.source.encoding
        if not text.strip():
            ctx.result.blank_rows_skipped += 1
            return
        ctx.result.rows_read += 1
        if MARK_OPEN in text:
            bl = self.tr.bad_lines_at(n)
            raw = bl.raw if bl else b""
            ctx.quarantine.add(
                reason=bl.reason if bl else "undecodable",
                detail=bl.detail(enc) if bl else "undecodable bytes",
                line=n,
                row_no=n,
                raw_text=raw.decode(codec_for(enc), "replace"),
                raw_bytes=raw,
            )
            return
        try:
            doc = json.loads(text, object_pairs_hook=Obj)
        except ValueError as e:
            ctx.quarantine.add(reason="malformed_json", detail=f"not valid JSON: {e}", line=n, row_no=n, raw_text=text)
            return
        except RecursionError:
            ctx.quarantine.add(
                reason="too_deeply_nested",
                detail=f"nested deeper than {sys.getrecursionlimit()} levels; not read",
                line=n,
                row_no=n,
                raw_text=text,
            )
            return
        if not isinstance(doc, Obj):
            ctx.quarantine.add(
                reason="not_an_object", detail="valid JSON but not an object", line=n, row_no=n, raw_text=text
            )
            return
        keys = doc.names()
        if before_first_ok and not self.header_seen:
            # The file's first object has other keys than the registry: header drift.
            raise HeaderMismatch(ctx.source, ctx.file_name, keys, what="key")
        ctx.quarantine.add(
            reason="fields_differ",
            detail="record keys differ from the header: " + key_differences(ctx.source.headers, self.expected, keys),
            line=n,
            row_no=n,
            raw_text=text,
        )
