"""A zip archive (an .xlsx workbook) opened within the limits of ingest/limits.yaml.

A 412 KB workbook can hold a 400 MB shared string: openpyxl decompressed and kept it
whole (1.7 GB of memory in a tester's run). So before any part is decompressed, the
sizes the archive declares are checked — each part, all parts together, and each
part's compression ratio (an ordinary workbook's parts compress 4–13:1, measured on the
synthetic city's workbooks; a zip bomb's 1000:1) — and while a part is decompressed,
the bytes actually produced are counted against the same limits, since declared sizes
can lie. (CPython's zipfile itself stops at the declared size and then fails the CRC
check: a lying archive is rejected either way; the count guards against a reader
that trusts less.) Exceeded: LimitExceeded, the file is rejected whole.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from ingest.limits import ARCHIVE_TOO_LARGE, XlsxLimits
from ingest.readers.base import LimitExceeded

_WHERE = "in ingest/limits.yaml"


def _exceeded(message: str, size: int, allowed: int) -> LimitExceeded:
    return LimitExceeded(message, limit=ARCHIVE_TOO_LARGE, size=size, allowed=allowed)


class GuardedZip(zipfile.ZipFile):
    """ZipFile whose declared sizes are checked on opening and whose parts are read
    through a counting stream (open and read both go through `open`)."""

    def __init__(self, path: Path, limits: XlsxLimits, name: str):
        super().__init__(path)
        self.limits, self.name = limits, name
        self.decompressed = 0  # bytes produced so far, all parts
        try:
            self._check_declared()
        except BaseException:
            self.close()
            raise

    def _check_declared(self) -> None:
        lim, total = self.limits, 0
        for info in self.infolist():
            size = info.file_size
            total += size
            if size > lim.max_member_bytes:
                raise _exceeded(
                    f"{self.name}: {ARCHIVE_TOO_LARGE}: part {info.filename} declares {size} bytes decompressed, "
                    f"over the limit of {lim.max_member_bytes} bytes (xlsx.max_member_bytes {_WHERE}); "
                    "not decompressed",
                    size,
                    lim.max_member_bytes,
                )
            if size > lim.ratio_min_bytes and size > lim.max_compression_ratio * max(info.compress_size, 1):
                raise _exceeded(
                    f"{self.name}: {ARCHIVE_TOO_LARGE}: part {info.filename} declares {size} bytes decompressed from "
                    f"{info.compress_size} ({size / max(info.compress_size, 1):.0f}:1), over the compression ratio "
                    f"limit of {lim.max_compression_ratio:g}:1 (xlsx.max_compression_ratio {_WHERE}): a zip bomb, "
                    "not decompressed",
                    size,
                    int(lim.max_compression_ratio * info.compress_size),
                )
        if total > lim.max_total_bytes:
            raise _exceeded(
                f"{self.name}: {ARCHIVE_TOO_LARGE}: the parts declare {total} bytes decompressed in all, over the "
                f"limit of {lim.max_total_bytes} bytes (xlsx.max_total_bytes {_WHERE}); not decompressed",
                total,
                lim.max_total_bytes,
            )

    def open(self, name, mode="r", pwd=None, *, force_zip64=False):
        stream = super().open(name, mode, pwd, force_zip64=force_zip64)
        if mode != "r":
            return stream
        info = name if isinstance(name, zipfile.ZipInfo) else self.getinfo(name)
        return CountedStream(stream, self, info)


class CountedStream(io.RawIOBase):
    """A part's decompressed bytes, counted against the part, archive and ratio limits."""

    def __init__(self, stream, archive: GuardedZip, info: zipfile.ZipInfo):
        super().__init__()
        self._stream, self._archive, self._info = stream, archive, info
        lim = archive.limits
        self.count = 0
        self.allowed = min(
            lim.max_member_bytes, max(lim.ratio_min_bytes, int(lim.max_compression_ratio * info.compress_size))
        )

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:
        data = self.read(len(b))
        b[: len(data)] = data
        return len(data)

    def read(self, n: int = -1) -> bytes:
        # Whole-part reads (ZipFile.read) go in steps, so the limit stops them early.
        if n is None or n < 0:
            return b"".join(iter(lambda: self.read(1 << 20), b""))
        data = self._stream.read(n)
        self._count(len(data))
        return data

    def _count(self, n: int) -> None:
        self.count += n
        self._archive.decompressed += n
        name, lim = self._archive.name, self._archive.limits
        if self.count > self.allowed:
            raise _exceeded(
                f"{name}: {ARCHIVE_TOO_LARGE}: part {self._info.filename} decompressed past {self.allowed} bytes "
                f"(it declared {self._info.file_size} from {self._info.compress_size}; limits xlsx.max_member_bytes "
                f"and xlsx.max_compression_ratio {_WHERE}): its declared size is false; stopped there",
                self.count,
                self.allowed,
            )
        if self._archive.decompressed > lim.max_total_bytes:
            raise _exceeded(
                f"{name}: {ARCHIVE_TOO_LARGE}: the parts decompressed past {lim.max_total_bytes} bytes in all "
                f"(xlsx.max_total_bytes {_WHERE}); stopped there",
                self._archive.decompressed,
                lim.max_total_bytes,
            )

    def close(self) -> None:
        if not self.closed:
            self._stream.close()
        super().close()
