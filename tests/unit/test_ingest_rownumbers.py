"""Record numbers of accepted rows when rejected rows are cut out of the stream."""

from __future__ import annotations

import random

import numpy as np
import pytest

from ingest.lines import Layout, record_start_lines
from ingest.readers.rownum import RowNumberer


def test_row_numbers_match_brute_force():
    rng = random.Random(7)
    for _ in range(200):
        total = rng.randint(0, 60)
        rejected = sorted(rng.sample(range(1, total + 1), rng.randint(0, total))) if total else []
        accepted = [r for r in range(1, total + 1) if r not in set(rejected)]
        numbers = RowNumberer()
        got, i = [], 0
        # batches of random sizes; rejects become known no later than their batch
        while i < len(accepted):
            n = rng.randint(1, 7)
            batch = accepted[i : i + n]
            numbers.rejected[:] = [r for r in rejected if r <= (batch[-1] + rng.randint(0, 5))]
            got += numbers.next(len(batch)).tolist()
            i += n
        assert got == accepted


def test_no_rejects_is_a_plain_count():
    n = RowNumberer()
    assert n.next(3).tolist() == [1, 2, 3]
    assert n.next(2).tolist() == [4, 5]
    assert isinstance(n.next(1), np.ndarray)


def test_physical_lines_of_records(tmp_path):
    p = tmp_path / "a.csv"
    # header, a record, a quoted value over two lines, two blank lines, an escaped quote, no final newline
    p.write_bytes(b'h1,h2\r\n1,2\r\n"a\nb",3\r\n\r\n\n4,5\r\n"x""y",6\n7,8')
    assert record_start_lines(p, [1, 2, 3, 4, 5], expected_records=5) == {1: 2, 2: 3, 3: 7, 4: 8, 5: 9}
    # a count that disagrees with the parser's means "unknown", never a wrong line
    assert record_start_lines(p, [1], expected_records=9) == {}


@pytest.mark.parametrize(
    "blocks,plain",
    [
        ([b"1,2\r\n3,4\r\n", b"5,6\r\n"], True),
        ([b"1,2\n3,4\n", b"5,6"], True),  # the last line may lack its LF
        ([b"1,2\n\n3,4\n"], False),  # a blank line is not a record
        ([b"1,2\r\n\r\n3,4\r\n"], False),  # nor a CRLF-only one
        ([b"1,2\n", b"\n3,4\n"], False),  # ... also where a block starts
        ([b"1,2\n", b"\r\n3,4\n"], False),
        ([b"1,2\r3,4\n"], False),  # a lone CR ends a record
        ([b"1,2\n3,4\r"], False),
        ([b'1,"2"\n'], False),  # a quoted value may span lines
    ],
)
def test_layout_tells_when_record_n_is_on_line_n_plus_one(blocks, plain):
    layout = Layout()
    lf = [layout.add(b).tolist() for b in blocks]
    assert layout.plain is plain
    assert lf[0] == [i for i, c in enumerate(blocks[0]) if c == 0x0A]
    lines = sum(b.count(b"\n") for b in blocks) + (not blocks[-1].endswith(b"\n"))
    assert layout.lines == lines
    assert layout.one_record_per_line(lines) is plain
    assert not layout.one_record_per_line(lines + 1)  # the parser's count must agree
