"""CSV (RFC 4180: comma, double quotes, "" escapes) -> raw Parquet, streaming.

Pipeline: Transcoder (bytes -> UTF-8 in ~1 MiB blocks, header held back) ->
pyarrow's streaming CSV reader (every column typed string, so nothing is
inferred or altered) -> PartWriter. No Python per row: pyarrow calls back only
for rows with the wrong number of fields, and marker rows (undecodable bytes)
are found with a vectorised substring match, only in files that had any.

Why pyarrow and not DuckDB's read_csv here: DuckDB cannot report the record
number of the rows it accepts (its `file_row_number` is not supported by the CSV
reader), and `_row_no` must be the record number in the file even when other
rows are quarantined. pyarrow yields record batches in file order and reports each
rejected row's record number, from which RowNumberer derives the accepted rows'
numbers with numpy. `use_threads=False` is required for those numbers (with
threads pyarrow reports None) and was also the faster mode here: 1.15 s vs
1.49 s to read and write 1M rows on this 2-core machine. Parallelism comes from
ingesting batches in separate processes instead (runner.ingest_landing).
"""
from __future__ import annotations

import csv as pycsv

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from ingest.lines import record_start_lines
from ingest.readers.base import FileUnreadable, ReadContext, check_header
from ingest.readers.rownum import RowNumberer
from ingest.transcode import MARK_OPEN, Transcoder, codec_for

BLOCK_SIZE = 1 << 20


def parse_header(text: str) -> list[str]:
    rows = list(pycsv.reader([text]))
    return rows[0] if rows else []


def read_csv(ctx: ReadContext) -> None:
    source, result = ctx.source, ctx.result
    tr = Transcoder(ctx.path, source.encoding, skip_header=True, hasher=ctx.hasher)
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
        if tr.at_eof:
            return  # header only: a valid delivery of zero rows
        _stream(ctx, tr, [mapping[h] for h in headers])
    finally:
        tr.close()


def _stream(ctx: ReadContext, tr: Transcoder, file_columns: list[str]) -> None:
    source, result = ctx.source, ctx.result
    rejects: list[tuple[int | None, str, int, int]] = []
    numbers = RowNumberer()

    def on_invalid(row) -> str:
        # Called only for rows with the wrong number of fields.
        rejects.append((row.number, row.text, row.expected_columns, row.actual_columns))
        if row.number is not None:
            numbers.rejected.append(row.number)
        return "skip"

    reader = pacsv.open_csv(
        tr,
        read_options=pacsv.ReadOptions(use_threads=False, block_size=BLOCK_SIZE, column_names=file_columns),
        parse_options=pacsv.ParseOptions(
            delimiter=",", quote_char='"', double_quote=True, escape_char=False,
            newlines_in_values=True, ignore_empty_lines=True, invalid_row_handler=on_invalid,
        ),
        convert_options=pacsv.ConvertOptions(
            column_types={c: pa.string() for c in file_columns},
            # "" stays "", and the text NULL / NA stays text: raw is as delivered.
            strings_can_be_null=False, quoted_strings_can_be_null=False,
            # The Transcoder only emits what it decoded, so it is valid UTF-8: skip
            # pyarrow's second validation (~7% of parse time).
            check_utf8=False,
            include_columns=source.column_names,  # canonical order, whatever the file's
        ),
    )
    try:
        for batch in reader:
            if batch.num_rows == 0:
                continue
            row_no = numbers.next(batch.num_rows)
            if tr.bad_lines:  # only files that had undecodable bytes pay for the scan
                _write_unmarked(ctx, tr, batch, row_no)
            else:
                ctx.writer.write(batch, row_no)
    except pa.ArrowInvalid as e:
        raise FileUnreadable(f"{ctx.file_name}: not readable as CSV: {e}") from e

    result.rows_read = numbers.accepted + len(rejects)
    if rejects:
        _quarantine_rejects(ctx, tr, rejects, result.rows_read)


_MARK_BYTES = np.frombuffer(MARK_OPEN.encode("utf-8"), dtype=np.uint8)  # EF B7 90


def _marked_rows(batch: pa.RecordBatch) -> dict[int, list[str]]:
    """{row index: columns} of rows holding an undecodable-byte marker.

    Searches each column's UTF-8 value buffer with numpy (zero-copy) and maps hits
    to rows through the offsets: a defective delivery has a bad byte in almost
    every batch, and per-row substring matching on every column cost ~0.8 s per
    1M rows, this ~0.05 s.
    """
    found: dict[int, list[str]] = {}
    for name in batch.schema.names:
        col = batch.column(name)
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
        offsets = np.frombuffer(bufs[1], dtype=width)[col.offset: col.offset + len(col) + 1]
        rows = np.searchsorted(offsets, hits, side="right") - 1
        for r in np.unique(rows[(rows >= 0) & (rows < len(col))]).tolist():
            found.setdefault(r, []).append(name)
    return found


def _write_unmarked(ctx: ReadContext, tr: Transcoder, batch: pa.RecordBatch, row_no: np.ndarray) -> None:
    """Quarantine rows holding undecodable bytes, write the rest.

    The rest is written as zero-copy slices between the bad rows (filtering would
    copy every column of every batch).
    """
    marked = _marked_rows(batch)
    if not marked:
        ctx.writer.write(batch, row_no)
        return
    headers = {v: k for k, v in ctx.result.column_mapping.items()}
    start = 0
    for i in sorted(marked):
        cols = [c for c in batch.schema.names if c in marked[i]]
        bad = []
        for c in cols:
            bad += [b for b in tr.decoder.lines_for(batch.column(c)[i].as_py()) if b not in bad]
        _add_undecodable(ctx, bad, int(row_no[i]), [f"{headers[c]} ({c})" for c in cols])
        if i > start:
            ctx.writer.write(batch.slice(start, i - start), row_no[start:i])
        start = i + 1
    if start < batch.num_rows:
        ctx.writer.write(batch.slice(start), row_no[start:])


def _add_undecodable(ctx: ReadContext, bad_lines, row_no: int | None, columns: list[str]) -> None:
    enc = ctx.source.encoding
    raw = b"\n".join(b.raw for b in bad_lines)
    ctx.quarantine.add(
        reason="undecodable" if all(b.reason == "undecodable" for b in bad_lines) else "noncharacter",
        detail=(bad_lines[0].detail(enc) if len(bad_lines) == 1 else
                "; ".join(f"line {b.line}: {b.detail(enc)}" for b in bad_lines) or "undecodable bytes"),
        line=bad_lines[0].line if bad_lines else None,
        row_no=row_no,
        column=", ".join(columns) or None,
        raw_text=raw.decode(codec_for(enc), "replace"),
        raw_bytes=raw,
    )


def _quarantine_rejects(ctx: ReadContext, tr: Transcoder, rejects, total_records: int) -> None:
    plain = [r for r in rejects if MARK_OPEN not in r[1]]
    if tr.plain_lines:  # no quotes, blank lines or lone CRs: record n is on line n + 1
        lines = {r[0]: r[0] + 1 for r in plain if r[0] is not None}
    else:
        lines = record_start_lines(ctx.path, [r[0] for r in plain], total_records) if plain else {}
    headers = list(ctx.result.column_mapping)
    for number, text, expected, actual in rejects:
        if MARK_OPEN in text:
            _add_undecodable(ctx, tr.decoder.lines_for(text), number, [])
            continue
        if actual < expected:
            missing = headers[actual:]
            reason = "too_few_fields"
            detail = (f"expected {expected} fields, found {actual}; missing "
                      + ", ".join(f"{h} ({ctx.result.column_mapping[h]})" for h in missing))
        else:
            reason = "too_many_fields"
            detail = f"expected {expected} fields, found {actual} ({actual - expected} extra)"
        ctx.quarantine.add(reason=reason, detail=detail, line=lines.get(number), row_no=number,
                           raw_text=text)
