"""CSV (RFC 4180: comma, double quotes, "" escapes) -> raw Parquet, streaming.

Transcoder (bytes -> UTF-8 in ~4 MiB blocks, header held back) -> CsvBatches
(pyarrow's streaming parser: record batches in file order with their record
numbers, and the rows with a wrong number of fields) -> PartWriter. No Python per
row: rows holding undecodable bytes are looked up by line number or found with a
vectorised scan (MarkedRows), and the rest of each batch is written as zero-copy
slices around them.

Why pyarrow and not DuckDB's read_csv here: DuckDB cannot report the record
number of the rows it accepts (its `file_row_number` is not supported by the CSV
reader), and `_row_no` must be the record number in the file even when other
rows are quarantined. Also, to read and write all-text columns pyarrow measured
faster: 2.0 s for DuckDB's read_csv(all_varchar) + COPY of a 1M-row household file
on one thread, 0.95 + 0.53 s for pyarrow's parse + Parquet write.
"""
from __future__ import annotations

import csv as pycsv

import pyarrow as pa

from ingest.lines import record_start_lines
from ingest.readers.base import FileUnreadable, ReadContext, check_header
from ingest.readers.csvparse import CsvBatches, Rejected
from ingest.readers.marks import MarkedRows
from ingest.transcode import MARK_OPEN, Transcoder, codec_for


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
    result = ctx.result
    parsed = CsvBatches(tr, file_columns, ctx.source.column_names)
    marks = MarkedRows(tr)
    headers = {v: k for k, v in result.column_mapping.items()}
    met: set[int] = set()  # ids of the bad lines found in some row
    try:
        for batch, row_no in parsed:
            marked = marks.find(batch, row_no)
            for i, values in marked.items():
                bad = []
                for value in values.values():
                    bad += [b for b in tr.decoder.lines_for(value) if b not in bad]
                met.update(b.id for b in bad)
                _add_undecodable(ctx, bad, int(row_no[i]), [f"{headers[c]} ({c})" for c in values])
            ctx.writer.write(batch, row_no, skip=list(marked))
    except pa.ArrowInvalid as e:
        raise FileUnreadable(f"{ctx.file_name}: not readable as CSV: {e}") from e
    result.rows_read = parsed.records
    if parsed.rejected:
        _quarantine_rejects(ctx, tr, parsed.rejected, parsed.records, met)
    missed = sorted(tr.bad_lines.keys() - met)
    if missed:  # a row with undecodable bytes may have been written: a bug, never a delivery's fault
        raise RuntimeError(f"{ctx.file_name}: no row was found holding undecodable line(s) "
                           f"{', '.join(str(tr.bad_lines[i].line) for i in missed[:5])}; nothing is committed")


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


def _quarantine_rejects(ctx: ReadContext, tr: Transcoder, rejected: list[Rejected], records: int,
                        met: set[int]) -> None:
    wanted = [r.number for r in rejected if MARK_OPEN not in r.text]
    if tr.layout.one_record_per_line(records):
        lines = {n: n + 1 for n in wanted if n is not None}
    else:
        lines = record_start_lines(ctx.path, wanted, records) if wanted else {}
    headers = list(ctx.result.column_mapping)
    for r in rejected:
        if MARK_OPEN in r.text:
            bad = tr.decoder.lines_for(r.text)
            met.update(b.id for b in bad)
            _add_undecodable(ctx, bad, r.number, [])
            continue
        if r.actual < r.expected:
            missing = headers[r.actual:]
            reason = "too_few_fields"
            detail = (f"expected {r.expected} fields, found {r.actual}; missing "
                      + ", ".join(f"{h} ({ctx.result.column_mapping[h]})" for h in missing))
        else:
            reason = "too_many_fields"
            detail = f"expected {r.expected} fields, found {r.actual} ({r.actual - r.expected} extra)"
        ctx.quarantine.add(reason=reason, detail=detail, line=lines.get(r.number), row_no=r.number,
                           raw_text=r.text)
