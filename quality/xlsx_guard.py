"""A workbook from outside the lake, checked before openpyxl parses it.

    check_archive(path, limits)      # UnsafeWorkbook naming the file and the limit

openpyxl decompresses a part whole, and a small workbook can hold a huge shared string
(ingest/readers/zipguard.py). Ingestion's guard is ingest's and a stage does not import
another, so the few checks a returned work order needs are here: a regular file, at most
max_file_bytes, a zip archive whose parts declare at most max_member_bytes each and
max_total_bytes together, and no part over 1 MB decompressing at more than
max_compression_ratio (quality/work_orders.yaml import_limits). A part lying about its size
fails CPython's CRC check when read, which the import turns into a refusal too.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

RATIO_MIN_BYTES = 1_000_000  # small parts may compress far (an empty sheet): no ratio check
WHERE = "quality/work_orders.yaml import_limits"


class UnsafeWorkbook(ValueError):
    """The file is not a workbook that may be parsed; the message names file and limit."""


def check_archive(path: Path, limits: dict[str, int]) -> None:
    if path.is_symlink() or not path.is_file():
        raise UnsafeWorkbook(f"{path}: not a regular file")
    size = path.stat().st_size
    if size > limits["max_file_bytes"]:
        raise UnsafeWorkbook(
            f"{path}: {size:,} bytes, over max_file_bytes {limits['max_file_bytes']:,} ({WHERE}); not read"
        )
    if not zipfile.is_zipfile(path):
        raise UnsafeWorkbook(f"{path}: not an XLSX workbook (an XLSX file is a zip archive; this one is not)")
    try:
        with zipfile.ZipFile(path) as z:
            infos = z.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as e:
        raise UnsafeWorkbook(f"{path}: not a readable XLSX workbook ({e})") from None
    total = 0
    for info in infos:
        total += info.file_size
        if info.file_size > limits["max_member_bytes"]:
            raise UnsafeWorkbook(
                f"{path}: part {info.filename} declares {info.file_size:,} bytes decompressed, over "
                f"max_member_bytes {limits['max_member_bytes']:,} ({WHERE}); not decompressed"
            )
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > RATIO_MIN_BYTES and ratio > limits["max_compression_ratio"]:
            raise UnsafeWorkbook(
                f"{path}: part {info.filename} decompresses {ratio:,.0f}:1, over max_compression_ratio "
                f"{limits['max_compression_ratio']} ({WHERE}): a zip bomb; not decompressed"
            )
    if total > limits["max_total_bytes"]:
        raise UnsafeWorkbook(
            f"{path}: parts declare {total:,} bytes decompressed together, over max_total_bytes "
            f"{limits['max_total_bytes']:,} ({WHERE}); not decompressed"
        )
