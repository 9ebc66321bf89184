"""The transcoded CSV stream -> record batches in file order, each row with its
record number, plus the rows the parser rejected (wrong number of fields).

pyarrow's streaming reader parses; every column is typed string, so nothing is
inferred or altered. `use_threads=False`: pyarrow reports a rejected row's number
only then (with threads it reports None); parallelism comes from ingesting batches
in separate processes instead (runner.ingest_landing). The accepted rows' numbers
follow from the rejected ones (RowNumberer).

(Parsing each decoded block on its own with `read_csv`, in this thread, while no
quote had appeared, measured no cheaper in the whole pipeline — 2.24 vs 2.26 s of
CPU per 1M-row GB18030 file, best of five. What did pay for quote-free files is not
decoding most of the bytes at all: csvplain.py, which the CSV reader tries first.)
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from ingest.readers.rownum import RowNumberer
from ingest.transcode import Transcoder

BLOCK_SIZE = 16 << 20  # bigger than a decoded block: the streaming reader gets whole ones


@dataclass
class Rejected:
    number: int | None  # record number (header excluded, blank lines skipped)
    text: str
    expected: int
    actual: int


class CsvBatches:
    """Iterate to get (batch, record numbers); afterwards `rejected` and `records`
    (every record the parser met) are complete."""

    def __init__(self, tr: Transcoder, file_columns: list[str], columns: list[str]):
        self.tr = tr
        self.rejected: list[Rejected] = []
        self.numbers = RowNumberer()
        self._read = pacsv.ReadOptions(use_threads=False, block_size=BLOCK_SIZE, column_names=file_columns)
        self._convert = pacsv.ConvertOptions(
            column_types={c: pa.string() for c in file_columns},
            # "" stays "", and the text NULL / NA stays text: raw is as delivered.
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
            # The Transcoder only emits what it decoded, so it is valid UTF-8: skip
            # pyarrow's second validation (~7% of parse time).
            check_utf8=False,
            include_columns=columns,  # canonical order, whatever the file's
        )

    @property
    def records(self) -> int:
        return self.numbers.accepted + len(self.rejected)

    def _on_invalid(self, row) -> str:
        # Called only for rows with the wrong number of fields.
        self.rejected.append(Rejected(row.number, row.text, row.expected_columns, row.actual_columns))
        if row.number is not None:
            self.numbers.rejected.append(row.number)
        return "skip"

    def __iter__(self) -> Iterator[tuple[pa.RecordBatch, np.ndarray]]:
        reader = pacsv.open_csv(
            self.tr,
            read_options=self._read,
            convert_options=self._convert,
            parse_options=pacsv.ParseOptions(
                delimiter=",",
                quote_char='"',
                double_quote=True,
                escape_char=False,
                newlines_in_values=True,
                ignore_empty_lines=True,
                invalid_row_handler=self._on_invalid,
            ),
        )
        for batch in reader:
            if batch.num_rows:
                yield batch, self.numbers.next(batch.num_rows)
