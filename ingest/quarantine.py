"""The quarantine side of a batch: rows that could not be read, and rejected files.

Layout of quarantine/<source>/batch=<date>/ (staged and committed with the raw
partition, see commit.py):

    rows/<file name>.jsonl     one JSON object per unreadable row: source, batch, file,
                               line (physical, 1-based, null when unknown), row_no (the
                               record number the row would have had as _row_no), column,
                               reason, detail, raw_text, raw_hex (original bytes when they
                               could not be decoded), encoding
    rejected/<file name>       a rejected file, byte for byte
    rejected/<file name>.reason.txt   why, in words (alone for an entry refused unread:
                               a symlink or outside the landing root)
    _refused.reason.txt        a batch refused whole before reading (symlinked, future date)
    _quarantine.json           summary: commit id, files with checksums, counts

<file name> is the delivered name when it is printable UTF-8 of at most 200 bytes,
else a bounded printable form of it (ingest.names.stored_name; the summary's entry
for a rejected file then says `stored_as`).

JSONL rather than Parquet because stewards open these files by hand and rows are
appended as the reader meets them (a file with a systematic defect can
quarantine every row without buffering them all).
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

from ingest.names import printable_name, stored_name

ROWS_DIR = "rows"
REJECTED_DIR = "rejected"
SUMMARY = "_quarantine.json"


class FileQuarantine:
    """Unreadable rows of one file, appended to rows/<file>.jsonl as they are met."""

    def __init__(self, path: Path, *, source: str, batch: str, file_name: str, encoding: str | None):
        self.path = path
        self.base = {"source": source, "batch": batch, "file": file_name}
        self.encoding = encoding
        self.count = 0
        self.examples: list[dict] = []  # the first few, for human-readable messages
        self._fh = None

    def add(
        self,
        *,
        reason: str,
        detail: str,
        line: int | None = None,
        row_no: int | None = None,
        column: str | None = None,
        raw_text: str | None = None,
        raw_bytes: bytes | None = None,
    ) -> None:
        if self._fh is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._fh = open(self.path, "w", encoding="utf-8")  # noqa: SIM115 - open for the writer's life, closed by close()
        rec = {
            **self.base,
            "line": line,
            "row_no": row_no,
            "column": column,
            "reason": reason,
            "detail": detail,
            "raw_text": raw_text,
            "raw_hex": raw_bytes.hex() if raw_bytes is not None else None,
            "encoding": self.encoding,
        }
        self._fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
        self.count += 1
        if len(self.examples) < 50:
            self.examples.append(rec)

    def close(self) -> None:
        if self._fh is not None:
            self._fh.flush()
            os.fsync(self._fh.fileno())
            self._fh.close()
            self._fh = None

    def discard(self) -> None:
        """The whole file was rejected: its row-level entries no longer apply."""
        if self._fh is not None:
            self._fh.close()
            self._fh = None
        self.path.unlink(missing_ok=True)
        self.count = 0
        self.examples = []


class QuarantineStage:
    """Builds a batch's quarantine content in a staging directory."""

    def __init__(self, directory: Path, *, source: str, batch: str):
        self.dir = Path(directory)
        self.source = source
        self.batch = batch
        self.rejected: list[dict] = []
        self._row_files: list[FileQuarantine] = []

    def rows_for(self, file_name: str, encoding: str | None) -> FileQuarantine:
        fq = FileQuarantine(
            rows_path(self.dir, file_name),
            source=self.source,
            batch=self.batch,
            file_name=printable_name(file_name),
            encoding=encoding,
        )
        self._row_files.append(fq)
        return fq

    def reject_file(self, path: Path, reason: str, **facts) -> Path:
        """Copy a rejected file (or directory) whole, with a reason file next to it."""
        name, stored = printable_name(path.name), stored_name(path.name)
        target = self.dir / REJECTED_DIR / stored
        target.parent.mkdir(parents=True, exist_ok=True)
        if path.is_dir():
            shutil.copytree(path, target, symlinks=True)
        else:
            shutil.copyfile(path, target)
        (target.parent / f"{stored}.reason.txt").write_text(
            f"source: {self.source}\nbatch: {self.batch}\nfile: {name}\n\n{reason}\n", encoding="utf-8"
        )
        self.rejected.append(
            {"file": name, "reason": reason, **facts, **({"stored_as": stored} if stored != name else {})}
        )
        return target

    def refuse(self, name: str, code: str, detail: str) -> None:
        """An entry refused unread (a symlink, outside the landing root): its reason
        file and summary entry, never its content."""
        shown, stored = printable_name(name), stored_name(name)
        target = self.dir / REJECTED_DIR / f"{stored}.reason.txt"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(
            f"source: {self.source}\nbatch: {self.batch}\nfile: {shown}\n\n{code}: {detail}\n", encoding="utf-8"
        )
        self.rejected.append(
            {"file": shown, "reason": code, "detail": detail, **({"stored_as": stored} if stored != shown else {})}
        )

    @property
    def has_content(self) -> bool:
        return bool(self.rejected) or any(fq.count for fq in self._row_files)

    def write_summary(self, summary: dict) -> None:
        write_json_atomic(self.dir / SUMMARY, summary)


def rows_path(directory: Path, file_name: str) -> Path:
    """rows/<file name>.jsonl of a delivered file in a quarantine (staged or committed)."""
    return Path(directory) / ROWS_DIR / f"{stored_name(file_name)}.jsonl"


def write_json_atomic(path: Path, obj) -> None:
    """Write JSON so that a reader sees the old file or the whole new one, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(obj, fh, ensure_ascii=False, indent=2, default=str)
        fh.write("\n")
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
