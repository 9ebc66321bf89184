"""CSV deliveries spanning many transcoder blocks and parser batches, with every
kind of defect, checked record by record against what they were built from.

A body without quotes takes the plain path (readers/csvplain.py: raw bytes parsed,
only non-ASCII columns decoded); any file can take the general path, whose reader
finds rows with undecodable bytes by their line number while the file's layout is
plain (record n on line n + 1) and by scanning the parsed values otherwise, and names
the line of a bad row from the same layout or by a recount. Both are checked against
the records a file was built from, and against each other byte for byte. Small blocks
(a few KiB) put many block and batch boundaries into a few thousand records, so every
path and every switch between them is exercised.
"""

from __future__ import annotations

import csv
import io
import random
from dataclasses import dataclass

import pytest

import ingest
import ingest.readers.csv_stream as csvreader
import ingest.readers.csvparse as csvparse
import ingest.readers.csvplain as csvplain
import ingest.transcode as transcode
from govlake.registry import load_registry
from tests.lake_fixtures import make_batch, read_quarantined_rows, read_raw

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


def build(
    codec: str,
    ncols: int,
    n: int,
    seed: int,
    *,
    quotes: bool,
    blank_every: int | None,
    newline: str,
    blank_at: int | None = None,
) -> tuple[bytes, list[Record]]:
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
            values = values[: rng.randint(2, ncols - 1)]
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
                raw = raw[: raw.rindex(b",")]
            fields = raw.split(b",")
            i = rng.randrange(len(fields))
            text = values[i]
            cut = len(text[: rng.randint(0, len(text))].encode(codec))
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


@pytest.mark.parametrize("path", ["plain", "general"])
@pytest.mark.parametrize("variant", sorted(VARIANTS))
@pytest.mark.parametrize("source_id", ["rsj.social_insurance", "zrzy.standard_address"])
def test_every_record_lands_or_is_quarantined_exactly(lake, landing, monkeypatch, source_id, variant, path):
    monkeypatch.setattr(transcode, "CHUNK_SIZE", 3000)  # many blocks...
    monkeypatch.setattr(csvparse, "BLOCK_SIZE", 1 << 16)  # ...each its own parser batch
    monkeypatch.setattr(csvreader, "PLAIN_PATH", path == "plain")  # (a quoted file is never plain)
    src = REG.sources[source_id]
    codec = transcode.codec_for(src.encoding)
    data, records = build(codec, len(src.columns), 3000, seed=len(variant), **VARIANTS[variant])
    header = ",".join(src.headers).encode(codec)
    data = header + data[data.index(b"\n") :]
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


def _general_path(monkeypatch):
    """The tests below fault the general path's own machinery: keep quote-free files on it."""
    monkeypatch.setattr(csvreader, "PLAIN_PATH", False)


def _load_social(lake, landing, n, **layout):
    src = REG.sources["rsj.social_insurance"]
    data, records = build("gb18030", len(src.columns), n, seed=7, **layout)
    data = ",".join(src.headers).encode("gb18030") + data[data.index(b"\r\n") :]
    return src, records, ingest.ingest_batch(src, make_batch(landing, src.id, BATCH, {"sbcb_202610.csv": data}), lake)


def test_a_row_found_by_number_is_checked_against_its_content(lake, landing, monkeypatch):
    """With the layout wrongly taken as plain (blank lines shift the records), a
    candidate row fails its check and the reader scans instead: still exact."""
    from ingest.lines import Layout

    _small_blocks(monkeypatch)
    _general_path(monkeypatch)
    monkeypatch.setattr(Layout, "plain", property(lambda self: True))
    src, records, r = _load_social(lake, landing, 2000, quotes=False, blank_every=100, newline="\r\n")
    assert r.status == "loaded"
    assert [row["_row_no"] for row in read_raw(lake, src.id, BATCH)] == [
        x.number for x in records if x.kind == "loaded"
    ]
    assert {q["row_no"]: q["reason"] for q in read_quarantined_rows(lake, src.id, BATCH)} == {
        x.number: x.kind for x in records if x.kind != "loaded"
    }


def test_a_bad_row_never_slips_into_the_lake_unnoticed(lake, landing, monkeypatch):
    """Were bad lines ever placed wrongly (here: numbered a million lines too far), rows
    holding their bytes would not be looked for in time: the reader checks that
    every bad line was met in some row and fails the batch instead of loading them."""
    from ingest.transcode import LineDecoder

    _small_blocks(monkeypatch)
    _general_path(monkeypatch)
    remember = LineDecoder.remember
    monkeypatch.setattr(
        LineDecoder, "remember", lambda self, line, raw, reason: remember(self, line + 1_000_000, raw, reason)
    )
    src, _, r = _load_social(lake, landing, 2000, quotes=False, blank_every=None, newline="\r\n")
    assert r.status == "failed" and "no row was found holding undecodable line" in r.messages[-1]
    assert not lake.raw_partition(src.id, BATCH).exists()


# -- the plain path against the general one ------------------------------------------------

EDGE_WORDS = ["滨州", "𠀀", "Ⅱ区", "·", "é", "x", "0543", ""]


def edge_file(codec: str, ncols: int, n: int, seed: int, *, newline: str) -> bytes:
    """A quote-free delivery dense in what the plain path must get exactly right: bad bytes
    at the edges of values (next to a comma or the line end, an incomplete four-byte
    sequence), reserved noncharacters, columns that are ASCII in some blocks only,
    blank lines, rows with too few or too many fields, and no line end at the end."""
    rng = random.Random(seed)
    nl = newline.encode()
    lines = []
    for _ in range(n):
        roll = rng.random()
        if roll < 0.02:
            lines.append(b"")
            continue
        k = ncols if roll > 0.06 else rng.choice([1, ncols - 1, ncols + 1])
        ascii_only = rng.random() < 0.3
        fields = [
            (
                "".join(rng.choice(EDGE_WORDS[5:] if ascii_only else EDGE_WORDS) for _ in range(rng.randint(0, 3)))
            ).encode(codec)
            for _ in range(k)
        ]
        if rng.random() < 0.05:
            i = rng.randrange(k)
            fields[i] = rng.choice(
                [
                    fields[i] + b"\x81",
                    b"\xff" + fields[i],
                    fields[i] + b"\x81\x30",
                    fields[i] + b"\xc3",
                    fields[i] + b"\x95\x32\x82",
                ]
            )
        if rng.random() < 0.01:
            fields[rng.randrange(k)] += rng.choice(["\ufdd0", "\ufdd1"]).encode(codec)
        lines.append(b",".join(fields))
    return nl.join(lines)  # the last line without a line end


def _land_both_ways(lake_factory, landing, monkeypatch, source_id: str, body: bytes):
    src = REG.sources[source_id]
    codec = transcode.codec_for(src.encoding)
    data = ",".join(src.headers).encode(codec) + b"\r\n" + body
    name = "sbcb_202610.csv" if source_id.startswith("rsj") else "bzdz_202610.csv"
    d = make_batch(landing, src.id, BATCH, {name: data})
    out = {}
    for plain in (True, False):
        monkeypatch.setattr(csvreader, "PLAIN_PATH", plain)
        lk = lake_factory(plain)
        r = ingest.ingest_batch(src, d, lk)
        rows = [{k: v for k, v in row.items() if k != "_ingested_at"} for row in read_raw(lk, src.id, BATCH)]
        messages = [m.replace(str(lk.home), "<lake>") for m in r.messages]
        out[plain] = (
            r.status,
            r.rows_read,
            r.rows_written,
            r.rows_quarantined,
            messages,
            rows,
            read_quarantined_rows(lk, src.id, BATCH),
        )
    return out


@pytest.mark.parametrize("newline", ["\r\n", "\n"])
@pytest.mark.parametrize("source_id", ["rsj.social_insurance", "zrzy.standard_address"])
def test_the_plain_path_lands_exactly_what_the_general_path_lands(tmp_path, landing, monkeypatch, source_id, newline):
    from govlake.settings import Lake

    _small_blocks(monkeypatch)
    src = REG.sources[source_id]
    body = edge_file(transcode.codec_for(src.encoding), len(src.columns), 4000, seed=len(newline), newline=newline)
    used = []
    monkeypatch.setattr(
        csvplain.PlainCsv,
        "_block",
        lambda self, block, _orig=csvplain.PlainCsv._block: used.append(1) or _orig(self, block),
    )
    out = _land_both_ways(lambda plain: Lake(tmp_path / f"lake-{plain}"), landing, monkeypatch, source_id, body)
    assert used  # the plain path did read it
    plain, general = out[True], out[False]
    assert plain[0] == "loaded" and plain[3] > 100  # plenty of quarantined rows of every kind
    assert {q["reason"] for q in plain[6]} == {"undecodable", "noncharacter", "too_few_fields", "too_many_fields"}
    assert plain == general


def test_a_lone_cr_sends_the_file_back_to_the_general_path(tmp_path, landing, monkeypatch):
    """pyarrow ends a record at a CR that is not followed by LF: the plain path's
    one-record-per-line model no longer holds, and the file is read again from the start
    (what the first attempt wrote and quarantined is thrown away)."""
    from govlake.settings import Lake

    _small_blocks(monkeypatch)
    src = REG.sources["rsj.social_insurance"]
    body = edge_file("gb18030", len(src.columns), 3000, seed=5, newline="\r\n")
    cut = body.index(b"\r\n", len(body) // 2)
    body = body[:cut] + b"\r" + body[cut + 2 :]  # one line end late in the file is a lone CR
    out = _land_both_ways(lambda plain: Lake(tmp_path / f"lake-{plain}"), landing, monkeypatch, src.id, body)
    assert out[True][0] == "loaded" and out[True] == out[False]


def test_reading_csv_never_imports_pandas(tmp_path, landing):
    """pyarrow imports pandas (0.56 s) when handed Python objects to convert, in every
    worker on the clock of every ingestion: the CSV paths must not do that."""
    import subprocess
    import sys
    from pathlib import Path

    src = REG.sources["rsj.social_insurance"]
    body = edge_file("gb18030", len(src.columns), 500, seed=1, newline="\r\n")
    d = make_batch(
        landing,
        src.id,
        BATCH,
        {
            "sbcb_202610_part1.csv": ",".join(src.headers).encode("gb18030") + b"\r\n" + body,
            # a quote: this one goes the general way
            "sbcb_202610_part2.csv": ",".join(src.headers).encode("gb18030")
            + b'\r\n"a,b",'
            + body[body.index(b",") + 1 :],
        },
    )
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "import ingest.worker\n"
        "from govlake.registry import load_registry\n"
        f"r = ingest.worker.ingest_one(load_registry().source({src.id!r}), {str(d)!r}, {str(tmp_path / 'lake')!r})\n"
        "print(r.status, r.rows_written, 'pandas' in sys.modules)\n"
    )
    root = Path(ingest.__file__).resolve().parents[1]
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=root, check=True)
    status, rows, pandas = out.stdout.split()
    assert status == "loaded" and int(rows) > 0 and pandas == "False", out.stdout + out.stderr
