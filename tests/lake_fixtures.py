"""Helpers for tests: write small deliveries byte for byte, read back what landed.

Kept in the package (like pandas.testing) so unit and integration tests share
them without a shared conftest. Nothing here is used at run time.
"""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path

import pyarrow.parquet as pq

from govlake.registry import Source
from govlake.settings import Lake
from ingest.batches import READY


def csv_bytes(
    header: list[str],
    rows: list[list[str] | bytes],
    *,
    encoding: str = "utf-8",
    bom: bool = False,
    newline: str = "\r\n",
) -> bytes:
    """A CSV file's bytes; a row given as bytes is inserted verbatim (for broken rows)."""
    codec = "utf-8" if encoding == "utf-8-sig" else encoding
    out = bytearray("\ufeff".encode(codec) if bom or encoding == "utf-8-sig" else b"")
    for row in [header, *rows]:
        if isinstance(row, bytes):
            out += row + newline.encode()
            continue
        buf = io.StringIO()
        csv.writer(buf, lineterminator=newline).writerow(row)
        out += buf.getvalue().encode(codec)
    return bytes(out)


def xlsx_bytes(
    sheet: str,
    header: list,
    rows: list[list],
    *,
    other_sheets: dict[str, list[list]] | None = None,
    date_columns: tuple[int, ...] = (),
) -> bytes:
    """An .xlsx workbook; cells of `date_columns` (0-based) get a date number format."""
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    for name, data in (other_sheets or {}).items():
        ws = wb.create_sheet(name)
        for r in data:
            ws.append(r)
    ws = wb.create_sheet(sheet)
    ws.append(header)
    for r in rows:
        ws.append(r)
        for c in date_columns:
            ws.cell(row=ws.max_row, column=c + 1).number_format = "yyyy-mm-dd"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def jsonl_bytes(records: list[dict | str]) -> bytes:
    """JSON Lines; a record given as str is written verbatim (for broken lines)."""
    return "".join((r if isinstance(r, str) else json.dumps(r, ensure_ascii=False)) + "\n" for r in records).encode()


def make_batch(landing: Path, source_id: str, batch: str, files: dict[str, bytes], *, ready: bool = True) -> Path:
    d = Path(landing) / source_id / batch
    d.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (d / name).write_bytes(data)
    if ready:
        (d / READY).touch()
    return d


def file_name(source: Source, batch: str, part: int | None = None) -> str:
    """A file name matching the source's pattern for a batch date."""
    y, m, d = batch.split("-")
    q = (int(m) - 1) // 3 + 1
    stem, _, ext = source.file.rpartition(".")
    stem = stem.replace("YYYYMMDD", y + m + d).replace("YYYYMM", y + m).replace("YYYYQn", f"{y}Q{q}")
    return f"{stem}{f'_part{part}' if part else ''}.{ext}"


def read_raw(lake: Lake, source_id: str, batch: str) -> list[dict]:
    part_dir = lake.raw_partition(source_id, batch)
    rows = []
    for p in sorted(part_dir.glob("part-*.parquet")):
        rows += pq.read_table(p).to_pylist()
    return rows


def read_quarantined_rows(lake: Lake, source_id: str, batch: str) -> list[dict]:
    d = lake.quarantine_partition(source_id, batch) / "rows"
    out = []
    for p in sorted(d.glob("*.jsonl")) if d.is_dir() else []:
        out += [json.loads(line) for line in p.read_text(encoding="utf-8").splitlines()]
    return out


def tree_state(root: Path) -> dict[str, tuple[int, int]]:
    """{relative path: (mtime_ns, size)} of every file under root, to prove nothing changed."""
    return {
        str(p.relative_to(root)): (p.stat().st_mtime_ns, p.stat().st_size)
        for p in sorted(Path(root).rglob("*"))
        if p.is_file()
    }


def household_row(i: int, name: str = "叶帅", mobile: str = "") -> list[str]:
    """A row of 公安's household register (gaj.household_register) in its header's order."""
    return [
        f"3723231940071171{i:02d}",
        name,
        "1",
        "19400711",
        "01",
        f"37162200000{i:02d}",
        "02",
        f"山东省滨州市阳信县市中镇后东村{i}号",
        "371622",
        mobile,
        "2018-02-13 17:13:47",
    ]


def overwrite_middle(path, n: int = 2000, *, keep_mtime: bool = False) -> None:
    """n bytes in the middle of a file replaced; its size (and optionally mtime) kept."""
    st = path.stat()
    with open(path, "r+b") as fh:
        fh.seek(st.st_size // 2 - n // 2)
        old = fh.read(n)
        fh.seek(st.st_size // 2 - n // 2)
        fh.write(bytes(b ^ 0xFF for b in old))
    if keep_mtime:
        os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert path.stat().st_size == st.st_size


def truncate(path) -> None:
    """A file cut to half its size."""
    with open(path, "r+b") as fh:
        fh.truncate(path.stat().st_size // 2)


def use_limits(monkeypatch, path: Path, settings: dict) -> None:
    """Ingest with `settings` over ingest/limits.yaml (a YAML file written at `path`)
    for the rest of the test."""
    import yaml

    import ingest.limits as limits

    path.write_text(yaml.safe_dump(settings), encoding="utf-8")
    monkeypatch.setattr(limits, "LIMITS", path)


def xlsx_with_huge_string(workbook: bytes, placeholder: str, size: int, *, declare: int | None = None) -> bytes:
    """`workbook` with the string `placeholder` (in whichever part holds it: the sheet's
    inline strings or the shared strings) grown to `size` bytes of "A", deflated as it is
    written (the string is never whole in memory): a zip bomb of a few hundred KB. With
    `declare`, the archive claims that part decompresses to that many bytes (a lie)."""
    import zipfile

    src = zipfile.ZipFile(io.BytesIO(workbook))
    out = io.BytesIO()
    grown = None
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            if placeholder.encode() not in data:
                dst.writestr(info.filename, data)
                continue
            grown = info.filename
            before, after = data.split(placeholder.encode(), 1)
            with dst.open(info.filename, "w", force_zip64=True) as fh:
                fh.write(before)
                block = b"A" * (1 << 20)
                for at in range(0, size, len(block)):
                    fh.write(block[: min(len(block), size - at)])
                fh.write(after)
    data = out.getvalue()
    return data if declare is None else _declare_size(data, grown, declare)


def _declare_size(data: bytes, member: str, size: int) -> bytes:
    """Rewrite a member's uncompressed size (under 4 GiB) in the central directory."""
    import struct
    import zipfile

    at = zipfile.ZipFile(io.BytesIO(data)).start_dir
    buf = bytearray(data)
    while buf[at : at + 4] == b"PK\x01\x02":  # the central directory's records, in turn
        name_len, extra_len, comment_len = struct.unpack_from("<HHH", buf, at + 28)
        if bytes(buf[at + 46 : at + 46 + name_len]).decode() == member:
            struct.pack_into("<I", buf, at + 24, size)
            return bytes(buf)
        at += 46 + name_len + extra_len + comment_len
    raise KeyError(member)


def warehouse_rows(lake: Lake, sql: str, params=None) -> list[dict]:
    """A query's rows as dicts, on a read-only connection to the lake's warehouse."""
    import duckdb

    with duckdb.connect(str(lake.warehouse), read_only=True) as con:
        cur = con.execute(sql, params or [])
        names = [d[0] for d in cur.description]
        return [dict(zip(names, r)) for r in cur.fetchall()]


def run_generated_city(root: Path, persons: int, seed: int, **generate) -> tuple[Lake, str]:
    """A generated city under root/landing through `govlake run` into root/lake, directory
    included; the lake and the run's output."""
    from typer.testing import CliRunner

    from conductor.cli import app
    from synth import generate_city

    landing, lake = root / "landing", Lake(root / "lake")
    generate_city(landing, persons=persons, seed=seed, **generate)
    ran = CliRunner().invoke(app, ["run", "--landing", str(landing), "--home", str(lake.home)], env={"COLUMNS": "250"})
    assert "Resource directory:" in ran.output, ran.output
    return lake, ran.output
