"""Test-side reader of a generated landing zone (independent of synth).

It reads each delivery the way a department's file is documented in the spec:
CSV in its declared encoding, XLSX by sheet name, JSON arrays, JSON Lines and
GeoJSON one record per physical line. Values come back as delivered (strings,
numbers, datetimes, None), with the physical line each record sits on.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from govlake.registry import Source


@dataclass
class Record:
    line: int
    values: dict[str, object]  # canonical column name -> value as delivered


@dataclass
class Delivery:
    source: str
    batch: str
    file: str
    path: Path
    headers: list[str]
    records: list[Record]


def read_delivery(source: Source, path: Path) -> Delivery:
    by_header = {c.header: c.name for c in source.columns}
    fmt = source.format
    if fmt == "csv":
        text = path.read_bytes().decode(source.encoding or "utf-8")
        if source.encoding == "utf-8-sig":
            assert not text.startswith("\ufeff")
        rows = list(csv.reader(io.StringIO(text, newline="")))
        headers, body = rows[0], rows[1:]
        records = [Record(i + 2, {by_header.get(h, h): v for h, v in zip(headers, row)}) for i, row in enumerate(body)]
    elif fmt == "xlsx":
        from openpyxl import load_workbook

        wb = load_workbook(path, read_only=True)
        ws = wb[source.sheet]
        rows = list(ws.iter_rows(values_only=True))
        wb.close()
        headers = list(rows[0])
        width = len(headers)  # a read-only sheet drops trailing empty cells
        records = [
            Record(i + 2, {by_header.get(h, h): v for h, v in zip(headers, row + (None,) * width)})
            for i, row in enumerate(rows[1:])
        ]
    else:
        lines = path.read_text(encoding="utf-8").split("\n")
        records = []
        headers = [c.header for c in source.columns]
        for no, line in enumerate(lines, start=1):
            s = line.strip().rstrip(",")
            if not s.startswith('{"') or s.startswith('{"type": "FeatureCollection"'):
                continue
            obj = json.loads(s)
            if fmt == "geojson":
                props = dict(obj["properties"])
                props["geometry"] = obj["geometry"]
                obj = props
            records.append(Record(no, {by_header[k]: v for k, v in obj.items()}))
    return Delivery(source.id, path.parent.name, path.name, path, headers, records)


def deliveries(out: Path, source: Source) -> list[Delivery]:
    found = []
    for batch in sorted((out / source.id).iterdir()):
        for f in sorted(batch.iterdir()):
            if f.name != "_READY":
                found.append(read_delivery(source, f))
    return found


def as_text(v: object) -> str:
    if v is None:
        return ""
    if isinstance(v, datetime):
        return v.date().isoformat()
    if isinstance(v, float) and v.is_integer():
        return repr(v)
    return str(v)
