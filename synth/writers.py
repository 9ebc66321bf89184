"""One writer per delivery format, each tracking the physical line of what it writes.

Line numbers follow the file as a reader sees it: a CSV header is line 1, a JSON
array or GeoJSON FeatureCollection opens on line 1 with one record per line
after it, JSON Lines start at line 1, and an XLSX row number is its line.
Writers never look at the clock: XLSX timestamps are the batch date at 08:00.
"""

from __future__ import annotations

import csv
import json
import os
import re
import zipfile
from datetime import date, datetime
from pathlib import Path

BYTES_MARK = "\x1f"  # stands for the undecodable byte until the line is encoded
BAD_BYTE = b"\xff"  # never valid in GB18030


class _Sink:
    """csv.writer target that keeps the last formatted line (one write per row in CPython)."""

    __slots__ = ("last",)

    def write(self, s: str) -> None:
        self.last = s


class Layout:
    """Which registry columns a file carries, in order, and whether it adds one.

    A file with a missing or extra column (a file-level defect) still maps every
    record the same way, so row-level defects land where the truth file says.
    """

    def __init__(self, headers: list[str], dropped: int | None = None, extra: str | None = None) -> None:
        self.keep = [i for i in range(len(headers)) if i != dropped]
        self.headers = [headers[i] for i in self.keep] + ([extra] if extra else [])
        self.extra = extra is not None
        self.plain = dropped is None and not extra

    def fields(self, values: list) -> list:
        if self.plain:
            return values
        out = [values[i] for i in self.keep]
        if self.extra:
            out.append("")
        return out


class Writer:
    def __init__(self, path: Path, layout: Layout) -> None:
        self.path = path
        self.layout = layout
        self.line = 0
        self.rows = 0

    def close(self) -> None:  # pragma: no cover - overridden
        raise NotImplementedError


class CsvWriter(Writer):
    def __init__(self, path: Path, layout: Layout, encoding: str) -> None:
        super().__init__(path, layout)
        self.encoding = "utf-8" if encoding == "utf-8-sig" else encoding
        self._f = open(path, "wb", buffering=1 << 20)  # noqa: SIM115 - closed by close()
        self._sink = _Sink()
        self._csv = csv.writer(self._sink)  # QUOTE_MINIMAL, CRLF like the departments' tools
        if encoding == "utf-8-sig":
            self._f.write(b"\xef\xbb\xbf")
        self._csv.writerow(layout.headers)
        self._f.write(self._sink.last.encode(self.encoding))
        self.line = 1

    def encode(self, fields: list) -> bytes:
        self._csv.writerow(fields)
        return self._sink.last.encode(self.encoding)

    def write(self, values: list, cache: dict | None = None) -> int:
        # hot path (millions of rows): no helper calls when a snapshot repeats a cached line
        if cache is not None and self.layout.plain:
            data = cache.get("csv")
            if data is None:
                self._csv.writerow(values)
                data = cache["csv"] = self._sink.last.encode(self.encoding)
        else:
            data = self.encode(self.layout.fields(values))
        self._f.write(data)
        self.line += 1
        self.rows += 1
        return self.line

    def write_fields(self, fields: list) -> int:
        return self._emit(self.encode(fields))

    def write_with_bad_byte(self, values: list, col: int) -> int:
        values = list(values)
        v = values[col]
        values[col] = v[:1] + BYTES_MARK + v[1:]
        data = self.encode(self.layout.fields(values)).replace(BYTES_MARK.encode(self.encoding), BAD_BYTE)
        return self._emit(data)

    def _emit(self, data: bytes) -> int:
        self._f.write(data)
        self.line += 1
        self.rows += 1
        return self.line

    def close(self) -> None:
        self._f.close()


class _JsonRecords(Writer):
    """Shared by JSON Lines, JSON arrays and GeoJSON: one record per physical line."""

    opening = b""
    closing = b""
    separator = b"\n"

    def __init__(self, path: Path, layout: Layout, geometry: int | None = None) -> None:
        super().__init__(path, layout)
        self._f = open(path, "wb", buffering=1 << 20)  # noqa: SIM115 - closed by close()
        self._geometry = geometry
        if self.opening:
            self._f.write(self.opening)
            self.line = 1

    def record(self, values: list) -> bytes:
        obj = dict(zip(self.layout.headers, self.layout.fields(values)))
        if self._geometry is not None:
            geom = obj.pop(self.layout.headers[self._geometry])
            obj = {"type": "Feature", "properties": obj, "geometry": geom}
        return json.dumps(obj, ensure_ascii=False).encode("utf-8")

    def write(self, values: list, cache: dict | None = None) -> int:
        if cache is not None:
            data = cache.get("json")
            if data is None:
                data = cache["json"] = self.record(values)
        else:
            data = self.record(values)
        if self.rows:
            self._f.write(self.separator)
        self._f.write(data)
        self.line += 1
        self.rows += 1
        return self.line

    def close(self) -> None:
        if self.opening:
            self._f.write(b"\n" + self.closing if self.rows else self.closing)
        elif self.rows:
            self._f.write(b"\n")
        self._f.close()


class JsonlWriter(_JsonRecords):
    pass


class JsonArrayWriter(_JsonRecords):
    opening = b"[\n"
    closing = b"]\n"
    separator = b",\n"


class GeoJsonWriter(_JsonRecords):
    opening = b'{"type": "FeatureCollection", "features": [\n'
    closing = b"]}\n"
    separator = b",\n"


class XlsxWriter(Writer):
    def __init__(self, path: Path, layout: Layout, sheet: str, when: date) -> None:
        from openpyxl import Workbook

        super().__init__(path, layout)
        self._when = datetime(when.year, when.month, when.day, 8, 0, 0)
        self._wb = Workbook(write_only=True)
        self._ws = self._wb.create_sheet(sheet)
        self._ws.append(layout.headers)
        self.line = 1

    def write(self, values: list, cache: dict | None = None) -> int:
        self._ws.append(self.layout.fields(values))
        self.line += 1
        self.rows += 1
        return self.line

    def close(self) -> None:
        self._wb.properties.creator = "openpyxl"
        self._wb.properties.created = self._when
        self._wb.properties.modified = self._when
        self._wb.save(self.path)
        normalise_xlsx(self.path, self._when)


_MODIFIED = re.compile(rb"<dcterms:modified([^>]*)>[^<]*</dcterms:modified>")


def normalise_xlsx(path: Path, when: datetime) -> None:
    """Make an XLSX byte-identical across runs: fixed entry times and 'modified' stamp.

    openpyxl stamps docProps/core.xml with the wall clock on save and zip entries
    with the current time; both are rewritten to the batch date.
    """
    stamp = when.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    tmp = path.with_suffix(path.suffix + ".tmp")
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = _MODIFIED.sub(rb"<dcterms:modified\1>" + stamp + rb"</dcterms:modified>", data)
            out = zipfile.ZipInfo(info.filename, date_time=when.timetuple()[:6])
            out.compress_type = zipfile.ZIP_DEFLATED
            out.create_system = 3
            out.external_attr = 0o644 << 16
            dst.writestr(out, data)
    os.replace(tmp, path)
