"""CSV (RFC 4180: comma, double quotes, "" escapes) -> raw Parquet, streaming.

Two paths, the same result (tests/integration/test_ingest_csv_blocks.py checks both
against the records a file was built from):

- a body without any quote character (most deliveries) goes through PlainCsv
  (csvplain.py): the raw bytes are parsed and only columns holding non-ASCII bytes are
  decoded, value by value;
- otherwise the general path: Transcoder (bytes -> UTF-8 in ~4 MiB blocks, header held
  back) -> CsvBatches (pyarrow's streaming parser: record batches in file order with
  their record numbers, and the rows with a wrong number of fields) -> PartWriter. Rows
  holding undecodable bytes are looked up by line number or found with a vectorised scan
  (MarkedRows).

No Python per row on either: the rest of each batch is written as zero-copy slices
around the quarantined rows.

Why pyarrow and not DuckDB's read_csv here: DuckDB cannot report the record
number of the rows it accepts (its `file_row_number` is not supported by the CSV
reader), and `_row_no` must be the record number in the file even when other
rows are quarantined. Also, to read and write all-text columns pyarrow measured
faster: 2.0 s for DuckDB's read_csv(all_varchar) + COPY of a 1M-row household file
on one thread, 0.95 + 0.53 s for pyarrow's parse + Parquet write.

Size limits (ingest/limits.yaml) cost no Python per row either: the transcoder reads
past or cuts out lines over max_line_bytes (one comparison of a block's line lengths),
and each batch's values are checked against max_value_bytes by its offsets
(readers/sizes.py). Timed alone on a 998,200-row GB18030 household register (130 MB),
best of 7: 5.8 ms for the value check of all 29 batches, 0.8 ms for the line check of
all 31 blocks — 0.4% of the 1.6–2.0 s of CPU the file takes. End to end (ingest_batch in
a fresh process, 5 interleaved rounds, load average 7 on 2 cores, so noisy): quote-free
path best CPU 1.81 s before, 1.62 s after; quoted (general) path 1.99 s before, 2.21 s
after, and in a second run of 7 rounds 1.88 s before, 1.92 s after — differences within
the rounds' spread (walls 3.3–7.5 s).
"""

from __future__ import annotations

import csv as pycsv
import logging

import pyarrow as pa

from ingest.limits import LINE_TOO_LARGE, limits
from ingest.lines import record_start_lines
from ingest.readers.base import FileUnreadable, IntegrityError, LimitExceeded, ReadContext, check_header
from ingest.readers.csvparse import CsvBatches, Rejected
from ingest.readers.csvplain import NotPlain, PlainCsv, bad_line, quote_free
from ingest.readers.marks import MarkedRows
from ingest.readers.sizes import Oversized, describe_rows, oversized, value_limits
from ingest.transcode import MARK_OPEN, BadLine, LongLine, Transcoder, codec_for

log = logging.getLogger(__name__)

# Quote-free bodies take the PlainCsv path (tests switch it off to exercise the other).
PLAIN_PATH = True


def parse_header(text: str) -> list[str]:
    rows = list(pycsv.reader([text]))
    return rows[0] if rows else []


def read_csv(ctx: ReadContext) -> None:
    tr, file_columns = _start(ctx)
    try:
        if file_columns is None:
            return  # header only: a valid delivery of zero rows
        if PLAIN_PATH and quote_free(ctx.path, tr.body_offset):
            try:
                _stream_plain(ctx, tr, file_columns)
                return
            except NotPlain as e:  # rare (a lone CR): begin again, on the general path
                log.info("%s: %s; reading it again on the general CSV path", ctx.file_name, e)
                tr.close()
                ctx.writer.restart()
                ctx.quarantine.discard()
                if ctx.hasher is not None:
                    ctx.hasher.reset()
                tr, file_columns = _start(ctx)
        _stream(ctx, tr, file_columns)
    finally:
        tr.close()


def _start(ctx: ReadContext) -> tuple[Transcoder, list[str] | None]:
    """Open the file and check its header: (transcoder positioned after the header,
    canonical names in file order, or None for a file of just a header)."""
    source, result = ctx.source, ctx.result
    lim = limits()
    tr = Transcoder(
        ctx.path,
        source.encoding,
        skip_header=True,
        hasher=ctx.hasher,
        max_line=lim.max_line_bytes,
        keep=lim.quarantine_prefix_bytes,
    )
    try:
        tr.start()
        result.bom = tr.bom
        if tr.header_error:
            raise FileUnreadable(f"{ctx.file_name}: {tr.header_error}")
        if not tr.header_text:
            raise FileUnreadable(f"{ctx.file_name}: the file is empty — no header row")
        headers = parse_header(tr.header_text)
        mapping = check_header(source, ctx.file_name, headers)
        result.column_mapping = mapping
    except BaseException:
        tr.close()
        raise
    return tr, (None if tr.at_eof else [mapping[h] for h in headers])


def _stream_plain(ctx: ReadContext, tr: Transcoder, file_columns: list[str]) -> None:
    result = ctx.result
    codec = tr.decoder.codec
    parsed = PlainCsv(tr, file_columns, ctx.source.column_names)
    headers = {v: k for k, v in result.column_mapping.items()}
    allowed = value_limits(ctx)
    # (A parse error here raises NotPlain: the general path decides whether the file is unreadable.)
    for batch, row_no, marked in parsed:
        for i, m in sorted(marked.items()):  # in file order, as the general path finds them
            bl = bad_line(m.raw, m.line, codec)
            if bl is None:  # a value failed to decode, its line did not: impossible, never load it
                raise IntegrityError(f"{ctx.file_name} line {m.line}: a value did not decode but its line does")
            columns = m.columns(bl.reason, parsed.columns)
            _add_undecodable(ctx, [bl], int(row_no[i]), [f"{headers[c]} ({c})" for c in columns])
        over = {i: cols for i, cols in oversized(batch, allowed).items() if i not in marked}
        for o in describe_rows(ctx, batch, row_no, over, parsed.lines):
            o.quarantine(ctx)
        ctx.writer.write(batch, row_no, skip=sorted([*marked, *over]))
    result.rows_read = parsed.records
    for number, ll in parsed.long:
        _add_long_line(ctx, ll, number)
    expected = len(file_columns)
    for r in parsed.rejected:
        bl = bad_line(r.raw, r.line, codec)
        if bl is not None:
            _add_undecodable(ctx, [bl], r.number, [])
        else:
            _add_wrong_field_count(ctx, r.number, r.line, r.raw.decode(codec), expected, r.fields)


def _stream(ctx: ReadContext, tr: Transcoder, file_columns: list[str]) -> None:
    result = ctx.result
    parsed = CsvBatches(tr, file_columns, ctx.source.column_names)
    marks = MarkedRows(tr)
    headers = {v: k for k, v in result.column_mapping.items()}
    met: set[int] = set()  # ids of the bad lines found in some row
    allowed = value_limits(ctx)
    too_large: list[Oversized] = []  # quarantined at the end, when their lines are known
    try:
        for batch, row_no in parsed:
            marked = marks.find(batch, row_no)
            for i, values in marked.items():
                bad = []
                for value in values.values():
                    bad += [b for b in tr.decoder.lines_for(value) if b not in bad]
                met.update(b.id for b in bad)
                _add_undecodable(ctx, bad, int(row_no[i]), [f"{headers[c]} ({c})" for c in values])
            over = {i: cols for i, cols in oversized(batch, allowed).items() if i not in marked}
            too_large += describe_rows(ctx, batch, row_no, over)
            ctx.writer.write(batch, row_no, skip=sorted([*marked, *over]))
    except pa.ArrowInvalid as e:
        _no_record_boundary(ctx, tr)
        raise FileUnreadable(f"{ctx.file_name}: not readable as CSV: {e}") from e
    _no_record_boundary(ctx, tr)
    result.rows_read = parsed.records
    if too_large:
        lines = _record_lines(ctx, tr, [o.row_no for o in too_large], parsed.records)
        for o in too_large:
            o.line = lines.get(o.row_no)
            o.quarantine(ctx)
    if parsed.rejected:
        _quarantine_rejects(ctx, tr, parsed.rejected, parsed.records, met)
    missed = sorted(tr.bad_lines.keys() - met)
    if missed:  # a row with undecodable bytes may have been written: a bug, never a delivery's fault
        raise IntegrityError(
            f"{ctx.file_name}: no row was found holding undecodable line(s) "
            f"{', '.join(str(tr.bad_lines[i].line) for i in missed[:5])}; nothing is committed"
        )


def _no_record_boundary(ctx: ReadContext, tr: Transcoder) -> None:
    """Reject the file if a line read past for its length holds an odd number of quote
    characters: a quoted value then opens or closes in it, so where its record and the
    following ones end cannot be known without reading the line (the parse past it is
    discarded). Found after the parse, as the parse itself may have failed on it."""
    odd = next((ll for ll in tr.long_lines if ll.quotes % 2), None)
    if odd is not None:
        raise LimitExceeded(
            f"{ctx.result.name}: {LINE_TOO_LARGE}: line {odd.line} is {odd.size} bytes, over the limit of "
            f"{odd.limit} bytes (max_line_bytes in ingest/limits.yaml), and holds an odd number of quote "
            "characters: where its record ends cannot be known without reading it whole, so no record after "
            "it can be trusted; file rejected",
            limit=LINE_TOO_LARGE,
            size=odd.size,
            allowed=odd.limit,
        )


def _add_long_line(ctx: ReadContext, ll: LongLine, row_no: int) -> None:
    ctx.quarantine.add(
        reason=LINE_TOO_LARGE,
        detail=BadLine(0, ll.line, ll.prefix, LINE_TOO_LARGE, long=ll).detail(ctx.source.encoding),
        line=ll.line,
        row_no=row_no,
        raw_text=ll.prefix.decode(codec_for(ctx.source.encoding), "replace"),
        raw_bytes=ll.prefix,
    )


def _add_undecodable(ctx: ReadContext, bad_lines, row_no: int | None, columns: list[str]) -> None:
    enc = ctx.source.encoding
    raw = b"\n".join(b.raw for b in bad_lines)
    reasons = {b.reason for b in bad_lines}
    ctx.quarantine.add(
        reason=LINE_TOO_LARGE
        if LINE_TOO_LARGE in reasons
        else "undecodable"
        if reasons == {"undecodable"}
        else "noncharacter",
        detail=(
            bad_lines[0].detail(enc)
            if len(bad_lines) == 1
            else "; ".join(f"line {b.line}: {b.detail(enc)}" for b in bad_lines) or "undecodable bytes"
        ),
        line=bad_lines[0].line if bad_lines else None,
        row_no=row_no,
        column=", ".join(columns) or None,
        raw_text=raw.decode(codec_for(enc), "replace"),
        raw_bytes=raw,
    )


def _record_lines(ctx: ReadContext, tr: Transcoder, wanted: list[int | None], records: int) -> dict[int, int]:
    """{record number: its first physical line} for the wanted records."""
    if tr.layout.one_record_per_line(records):
        return {n: n + 1 for n in wanted if n is not None}
    return record_start_lines(ctx.path, wanted, records) if wanted else {}


def _quarantine_rejects(
    ctx: ReadContext, tr: Transcoder, rejected: list[Rejected], records: int, met: set[int]
) -> None:
    lines = _record_lines(ctx, tr, [r.number for r in rejected if MARK_OPEN not in r.text], records)
    for r in rejected:
        if MARK_OPEN in r.text:
            bad = tr.decoder.lines_for(r.text)
            met.update(b.id for b in bad)
            _add_undecodable(ctx, bad, r.number, [])
            continue
        _add_wrong_field_count(ctx, r.number, lines.get(r.number), r.text, r.expected, r.actual)


def _add_wrong_field_count(
    ctx: ReadContext, number: int | None, line: int | None, text: str, expected: int, actual: int
) -> None:
    if actual < expected:
        missing = list(ctx.result.column_mapping)[actual:]
        reason = "too_few_fields"
        detail = f"expected {expected} fields, found {actual}; missing " + ", ".join(
            f"{h} ({ctx.result.column_mapping[h]})" for h in missing
        )
    else:
        reason = "too_many_fields"
        detail = f"expected {expected} fields, found {actual} ({actual - expected} extra)"
    ctx.quarantine.add(reason=reason, detail=detail, line=line, row_no=number, raw_text=text)
