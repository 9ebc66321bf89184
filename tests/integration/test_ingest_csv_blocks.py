"""CSV deliveries spanning many transcoder blocks and parser batches, with every
kind of defect, checked record by record against what they were built from.

The reader finds rows with undecodable bytes by their line number while the
file's layout is plain (record n on line n + 1) and by scanning the parsed values
otherwise; it names the line of a bad row from the same layout or by a recount.
Small blocks (a few KiB) put many block and batch boundaries into a few thousand
records, so every path and every switch between them is exercised.
"""
from __future__ import annotations

import csv
import io
import random
from dataclasses import dataclass

import pytest

import ingest
import ingest.readers.csvparse as csvparse
import ingest.transcode as transcode
from govlake.registry import load_registry
from ingest.testing import make_batch, read_quarantined_rows, read_raw

REG = load_registry()
BATCH = "2026-10-01"
WORDS = ["滨州", "阳信县", "𠀀", "黄河五路", "叶帅", "号楼", "Ⅱ区", "·", "a-1", "0543", "NULL", ""]


@dataclass
class Record:
    number: int  # record number: header excluded, blank lines skipped
    line: int  # physical line it starts on
    kind: str  # loaded | undecodable | too_few_fields | too_many_fields
    values: list[str]
    raw: bytes  # its bytes as delivered, without the line end


def build(codec: str, ncols: int, n: int, seed: int, *, quotes: bool, blank_every: int | None,
          newline: str, blank_at: int | None = None) -> tuple[bytes, list[Record]]:
    rng = random.Random(seed)
    nl = newline.encode()
    out = bytearray(",".join(f"h{i}" for i in range(ncols)).encode() + nl)
    line, records = 2, []
    for number in range(1, n + 1):
        if (blank_every and rng.random() < 1 / blank_every) or number == blank_at:
            out += nl
            line += 1
        values = ["".join(rng.choice(WORDS) for _ in range(rng.randint(0, 3))) for _ in range(ncols)]
        kind = rng.choices(["loaded", "undecodable", "too_few_fields", "too_many_fields"], [90, 5, 3, 2])[0]
        if kind == "too_few_fields":
            values = values[:rng.randint(2, ncols - 1)]
        elif kind == "too_many_fields":
            values = values + ["extra"]
        if quotes and kind != "undecodable" and rng.random() < 0.2:
            values[rng.randrange(len(values))] = rng.choice(['a,"b"', "两行\n文字", '"', "x\r\ny"])
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\r\n").writerow(values)
        raw = buf.getvalue()[:-2].encode(codec)
        if kind == "undecodable":  # a byte no decoder accepts, inside a field, between characters
            if rng.random() < 0.3:  # a wrong number of fields too: still quarantined as undecodable
                values = values[:-1]
                raw = raw[:raw.rindex(b",")]
            fields = raw.split(b",")
            i = rng.randrange(len(fields))
            text = values[i]
            cut = len(text[:rng.randint(0, len(text))].encode(codec))
            fields[i] = fields[i][:cut] + b"\xff" + fields[i][cut:]
            raw = b",".join(fields)
        records.append(Record(number, line, kind, values, raw))
        out += raw + nl
        line += 1 + raw.count(b"\n")
    return bytes(out), records


VARIANTS = {
    # record n on line n + 1 throughout: rows with bad bytes are found by number
    "plain-crlf": dict(quotes=False, blank_every=None, newline="\r\n"),
    # blank lines from early on: found by scanning, lines by recount
    "blank-lines-lf": dict(quotes=False, blank_every=300, newline="\n"),
    # plain until one blank line near the end: by number, then by scanning
    "late-blank-line": dict(quotes=False, blank_every=None, newline="\r\n", blank_at=2600),
    # quoted values, some over two lines, and blank lines
    "quoted": dict(quotes=True, blank_every=500, newline="\r\n"),
}


@pytest.mark.parametrize("variant", sorted(VARIANTS))
@pytest.mark.parametrize("source_id", ["rsj.social_insurance", "zrzy.standard_address"])
def test_every_record_lands_or_is_quarantined_exactly(lake, landing, monkeypatch, source_id, variant):
    monkeypatch.setattr(transcode, "CHUNK_SIZE", 3000)  # many blocks...
    monkeypatch.setattr(csvparse, "BLOCK_SIZE", 1 << 16)  # ...each its own parser batch
    src = REG.sources[source_id]
    codec = transcode.codec_for(src.encoding)
    data, records = build(codec, len(src.columns), 3000, seed=len(variant), **VARIANTS[variant])
    header = ",".join(src.headers).encode(codec)
    data = header + data[data.index(b"\n"):]
    name = "sbcb_202610.csv" if source_id.startswith("rsj") else "bzdz_202610.csv"
    r = ingest.ingest_batch(src, make_batch(landing, src.id, BATCH, {name: data}), lake)

    assert r.status == "loaded" and r.rows_read == len(records)
    loaded = read_raw(lake, src.id, BATCH)
    want = [x for x in records if x.kind == "loaded"]
    assert [row["_row_no"] for row in loaded] == [x.number for x in want]
    assert [[row[c] for c in src.column_names] for row in loaded] == [x.values for x in want]

    quarantined = {q["row_no"]: q for q in read_quarantined_rows(lake, src.id, BATCH)}
    bad = [x for x in records if x.kind != "loaded"]
    assert sorted(quarantined) == [x.number for x in bad]
    for x in bad:
        q = quarantined[x.number]
        assert (q["reason"], q["line"]) == (x.kind, x.line), x
        if x.kind == "undecodable":
            assert bytes.fromhex(q["raw_hex"]) == x.raw


def _small_blocks(monkeypatch):
    monkeypatch.setattr(transcode, "CHUNK_SIZE", 3000)
    monkeypatch.setattr(csvparse, "BLOCK_SIZE", 1 << 16)


def _load_social(lake, landing, n, **layout):
    src = REG.sources["rsj.social_insurance"]
    data, records = build("gb18030", len(src.columns), n, seed=7, **layout)
    data = ",".join(src.headers).encode("gb18030") + data[data.index(b"\r\n"):]
    return src, records, ingest.ingest_batch(src, make_batch(landing, src.id, BATCH, {"sbcb_202610.csv": data}), lake)


def test_a_row_found_by_number_is_checked_against_its_content(lake, landing, monkeypatch):
    """With the layout wrongly taken as plain (blank lines shift the records), a
    candidate row fails its check and the reader scans instead: still exact."""
    from ingest.lines import Layout

    _small_blocks(monkeypatch)
    monkeypatch.setattr(Layout, "plain", property(lambda self: True))
    src, records, r = _load_social(lake, landing, 2000, quotes=False, blank_every=100, newline="\r\n")
    assert r.status == "loaded"
    assert [row["_row_no"] for row in read_raw(lake, src.id, BATCH)] == \
        [x.number for x in records if x.kind == "loaded"]
    assert {q["row_no"]: q["reason"] for q in read_quarantined_rows(lake, src.id, BATCH)} == \
        {x.number: x.kind for x in records if x.kind != "loaded"}


def test_a_bad_row_never_slips_into_the_lake_unnoticed(lake, landing, monkeypatch):
    """Were bad lines ever placed wrongly (here: numbered a million lines too far), rows
    holding their bytes would not be looked for in time: the reader checks that
    every bad line was met in some row and fails the batch instead of loading them."""
    from ingest.transcode import LineDecoder

    _small_blocks(monkeypatch)
    remember = LineDecoder.remember
    monkeypatch.setattr(LineDecoder, "remember", lambda self, line, raw, reason: remember(self, line + 1_000_000, raw, reason))
    src, _, r = _load_social(lake, landing, 2000, quotes=False, blank_every=None, newline="\r\n")
    assert r.status == "failed" and "no row was found holding undecodable line" in r.messages[-1]
    assert not lake.raw_partition(src.id, BATCH).exists()
