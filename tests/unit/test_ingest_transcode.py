"""Chunked decoding to UTF-8: lossless, exact line numbers, structure kept around bad bytes."""

from __future__ import annotations

import hashlib

import pytest

from ingest.transcode import MARK_OPEN, LineDecoder, Transcoder, decode_whole

CHINESE = "公民身份号码,姓名\r\n372323194007117178,叶帅\r\n372323194306186042,𠀀娟倩\r\n"


@pytest.mark.parametrize("chunk_size", [1, 3, 7, 64, 1 << 20])
def test_gb18030_round_trip_at_any_chunk_size(tmp_path, chunk_size):
    p = tmp_path / "a.csv"
    p.write_bytes(CHINESE.encode("gb18030"))
    assert "𠀀".encode("gb18030") == b"\x95\x32\x82\x36"  # a 4-byte GB18030 character
    tr = Transcoder(p, "gb18030", chunk_size=chunk_size)
    assert tr.read().decode("utf-8") == CHINESE
    assert tr.bad_lines == {}


def test_header_is_held_back_and_stream_starts_at_line_two(tmp_path):
    p = tmp_path / "a.csv"
    p.write_bytes(CHINESE.encode("gb18030"))
    h = hashlib.sha256()
    tr = Transcoder(p, "gb18030", skip_header=True, chunk_size=5, hasher=h)
    tr.start()
    assert tr.header_text == "公民身份号码,姓名"
    assert tr.read().decode() == CHINESE.split("\r\n", 1)[1]
    assert h.hexdigest() == hashlib.sha256(p.read_bytes()).hexdigest()


@pytest.mark.parametrize(
    "encoding,bom",
    [("utf-8-sig", b"\xef\xbb\xbf"), ("utf-8", b"\xef\xbb\xbf"), ("gb18030", "\ufeff".encode("gb18030"))],
)
def test_bom_is_stripped_and_recorded(tmp_path, encoding, bom):
    p = tmp_path / "a.csv"
    codec = "gb18030" if encoding == "gb18030" else "utf-8"
    p.write_bytes(bom + "名称\n滨州\n".encode(codec))
    tr = Transcoder(p, encoding, skip_header=True)
    tr.start()
    assert tr.header_text == "名称" and tr.bom
    assert tr.read() == "滨州\n".encode()


def test_undecodable_bytes_are_marked_in_place_with_their_line(tmp_path):
    good = "a,b\n张三,1\n".encode("gb18030")
    bad = b"\xd5\xc5\xff,\x80x\n"  # 张 then two bytes that are not GB18030
    p = tmp_path / "a.csv"
    p.write_bytes(good + bad + "李四,3\n".encode("gb18030"))
    tr = Transcoder(p, "gb18030", chunk_size=4)
    text = tr.read().decode("utf-8")
    lines = text.split("\n")
    assert lines[2].count(",") == 1  # the delimiter survived next to the bad bytes
    assert lines[2].startswith("张" + MARK_OPEN)
    assert lines[3] == "李四,3"
    (bl,) = tr.bad_lines.values()
    assert bl.line == 3 and bl.raw == b"\xd5\xc5\xff,\x80x" and bl.reason == "undecodable"
    assert bl.offsets == [2, 4]
    assert "0xff at byte 3" in bl.detail("gb18030")
    assert tr.decoder.lines_for(lines[2]) == [bl]


def test_a_natural_noncharacter_is_treated_as_a_bad_line():
    dec = LineDecoder("utf-8")
    text, clean = dec.decode_block("ok\nx\ufdd0y\n".encode(), 1)
    assert not clean
    (bl,) = dec.bad_lines.values()
    assert bl.line == 2 and bl.reason == "noncharacter" and bl.raw == "x\ufdd0y".encode()
    assert dec.lines_for(text.split("\n")[1]) == [bl]


def test_invalid_utf8_is_caught_too(tmp_path):
    p = tmp_path / "a.jsonl"
    p.write_bytes(b'{"a": "ok"}\n{"a": "\xc3("}\n')
    text, dec, bom, raw = decode_whole(p, "utf-8")
    assert not bom and raw == p.read_bytes()
    (bl,) = dec.bad_lines.values()
    assert bl.line == 2 and bl.raw == b'{"a": "\xc3("}'
    assert text.split("\n")[1].endswith('("}')


@pytest.mark.parametrize("encoding", ["gb18030", "utf-8"])
def test_whole_block_and_line_by_line_marking_agree(encoding):
    import random

    rng = random.Random(3)
    lines = []
    for i in range(300):
        line = f"{i},滨州𠀀,{'x' * rng.randint(0, 5)}".encode(encoding)
        if rng.random() < 0.2:  # splice garbage bytes into a fifth of the lines
            at = rng.randint(0, len(line))
            line = (
                line[:at]
                + bytes(rng.choice([0x80, 0xFF, 0xFE, 0xC4, 0x81]) for _ in range(rng.randint(1, 3)))
                + line[at:]
            )
        lines.append(line)
    block = b"\r\n".join(lines) + b"\r\n"
    fast, slow = LineDecoder(encoding), LineDecoder(encoding)
    assert fast.decode_block(block, 10)[0] == slow._line_by_line(block, 10)
    assert fast.bad_lines == slow.bad_lines and len(fast.bad_lines) > 30


def test_reads_return_whole_blocks_after_a_full_first_read(tmp_path):
    p = tmp_path / "a.csv"
    p.write_bytes(b"".join(f"{i},{'滨州' * (i % 7)}\n".encode("gb18030") for i in range(5000)))
    tr = Transcoder(p, "gb18030", chunk_size=4096)
    first = tr.read(10_000)
    assert len(first) == 10_000  # pyarrow needs a whole record in its first block
    rest = list(iter(lambda: tr.read(1 << 20), b""))
    assert all(r.endswith(b"\n") for r in rest) and len(rest) > 10  # then block by block
    text = (first + b"".join(rest)).decode()
    assert text == p.read_bytes().decode("gb18030")


def test_a_natural_noncharacter_next_to_bad_bytes_keeps_markers_unambiguous():
    dec = LineDecoder("gb18030")
    block = "1,甲\n".encode("gb18030") + b"2,\xff\n" + "3,\ufdd0\n4,乙\n".encode("gb18030") + b"5,\x81\x20\n"
    text, clean = dec.decode_block(block, 2)
    assert not clean
    assert [(b.line, b.reason) for b in dec.bad_lines.values()] == [
        (3, "undecodable"),
        (4, "noncharacter"),
        (6, "undecodable"),
    ]
    assert list(dec.bad_lines) == [0, 1, 2] and dec.by_line[4].raw == "3,\ufdd0".encode("gb18030")
    lines = text.split("\n")
    assert [[b.line for b in dec.lines_for(line)] for line in lines[:5]] == [[], [3], [4], [], [6]]
    assert lines[0] == "1,甲" and lines[3] == "4,乙"
