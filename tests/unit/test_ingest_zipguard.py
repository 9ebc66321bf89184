"""The zip guard counts what a part really decompresses to: a stream that yields more
than the limits allow is stopped there, whatever the archive declared."""

from __future__ import annotations

import io
import zipfile

import pytest

from ingest.limits import XlsxLimits
from ingest.readers.base import LimitExceeded
from ingest.readers.zipguard import CountedStream, GuardedZip

LIMITS = XlsxLimits(max_member_bytes=1_000_000, max_total_bytes=3_000, max_compression_ratio=100, ratio_min_bytes=1_000)


def _archive(tmp_path) -> GuardedZip:
    path = tmp_path / "book.xlsx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("part.xml", b"<a/>")
    return GuardedZip(path, LIMITS, "book.xlsx")


def _declared(compressed: int) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo("part.xml")
    info.compress_size, info.file_size = compressed, compressed
    return info


def test_a_part_decompressing_past_its_ratio_is_stopped_there(tmp_path):
    source = io.BytesIO(b"A" * 50_000)  # declared 5 bytes compressed: 1,000 bytes allowed (ratio_min_bytes)
    stream = CountedStream(source, _archive(tmp_path), _declared(5))

    with pytest.raises(LimitExceeded, match="decompressed past 1000 bytes"):
        while stream.read(256):
            pass
    assert source.tell() <= 1_000 + 256


def test_all_parts_together_are_stopped_at_the_total_limit(tmp_path):
    archive = _archive(tmp_path)
    first = CountedStream(io.BytesIO(b"A" * 2_000), archive, _declared(100))
    second = CountedStream(io.BytesIO(b"A" * 2_000), archive, _declared(100))

    assert len(first.read()) == 2_000
    with pytest.raises(LimitExceeded, match="past 3000 bytes in all"):
        second.read()


def test_a_part_within_the_limits_reads_whole(tmp_path):
    assert CountedStream(io.BytesIO(b"A" * 900), _archive(tmp_path), _declared(5)).read() == b"A" * 900
