"""Landing -> raw for one batch (a whole landing zone: landing.py).

ingest_batch, in order:
  1. take the batch lock, recover any interrupted commit of this batch;
  2. no _READY -> 'incomplete';
  3. same file checksums (and same registry definition) as the committed
     partition -> 'unchanged', nothing touched. Files are hashed up front only
     when names and sizes match the last commit; otherwise the streaming
     readers hash while reading (one pass over a big file, not two);
  4. read each data file into a staged part + staged quarantine rows; files that
     cannot be read whole (header drift, not the format, wrong sheet) and files
     that are not the source's at all go to quarantine whole, and so does a file
     whose reading fails otherwise (reason reader_error: the exception) — except
     the lake's own failures (its disk, a reader's integrity check), which fail
     the batch;
  5. verify counts (per file read = written + quarantined; re-count the staged
     Parquet with DuckDB), write _manifest.json (with each part's bytes and sha256)
     and _SUCCESS;
  6. commit: swap staged quarantine and raw partitions into place (commit.py);
  7. record the attempt in the ingest log and the audit log, whatever happened.
"""

from __future__ import annotations

import errno
import logging
import time
from datetime import UTC, datetime
from pathlib import Path

from govlake.faults import fault_point
from govlake.registry import Registry, Source, load_registry
from govlake.settings import Lake
from ingest.batches import (
    FUTURE_BATCH,
    READY,
    REFUSED_WORDS,
    batch_date,
    batch_refusal,
    classify_files,
    future_batch,
    is_complete,
)
from ingest.commit import Commit, Step, batch_lock, new_commit_id, recover_partition, remove_tree, staging_dir
from ingest.duck import connection
from ingest.log import record_attempt
from ingest.manifest import (
    MANIFEST,
    MANIFEST_VERSION,
    SUCCESS,
    checksum,
    code_version,
    delivery_key,
    read_json_file,
    read_manifest,
    same_sizes,
)
from ingest.names import printable_name
from ingest.parquet import LINEAGE, PartWriter
from ingest.quarantine import SUMMARY, QuarantineStage, rows_path, write_json_atomic
from ingest.readers import FileUnreadable, IntegrityError, ReadContext, code_columns, reader_for
from ingest.readers.base import CountingHasher
from ingest.results import MAX_ROW_MESSAGES_PER_FILE, BatchResult, FileResult
from ingest.verify import part_sums, verify_committed

REFUSED_REASON = "_refused.reason.txt"  # in the quarantine partition of a batch refused whole

# Formats whose readers stream the raw bytes and can hash them on the way.
STREAM_HASHED = ("csv", "jsonl")

# An OSError with one of these while a file is read is the lake's disk, not the file:
# it fails the batch (nothing committed) instead of rejecting the file.
LAKE_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EFBIG, errno.EIO, errno.ENOMEM})

log = logging.getLogger(__name__)


class VerificationError(RuntimeError):
    """Counts do not add up: nothing is committed."""


def _now() -> datetime:
    return datetime.now(UTC)


def ingest_batch(source: Source | str, batch_dir: Path, lake: Lake, *, registry: Registry | None = None) -> BatchResult:
    """Ingest one batch directory of one source; never raises for a bad delivery.

    Returns a BatchResult whose status is loaded | replaced | unchanged |
    rejected | incomplete | failed; every call is recorded in the ingest log.
    """
    if isinstance(source, str):
        source = (registry or load_registry()).source(source)
    batch_dir = Path(batch_dir)
    started, t0 = _now(), time.perf_counter()
    attempt_id = new_commit_id()
    batch = batch_date(batch_dir)
    result = BatchResult(source.id, batch or batch_dir.name, "failed", attempt_id=attempt_id)
    try:
        if batch is None:
            result.status = "rejected"
            result.messages.append(f"{batch_dir}: a batch directory must be named YYYY-MM-DD")
        else:
            with batch_lock(lake, source.id, batch):
                result.messages += recover_partition(lake, source.id, batch)
                _ingest_locked(source, batch_dir, batch, lake, result, started)
    except Exception as e:  # a bug or an I/O error, not a bad delivery: say so, keep going
        if _lake_os_error(e):  # the lake's disk, not a bug: the cause and the remedy, no traceback
            log.error(
                "%s %s: ingestion failed: %s — free space and run again (nothing of this batch was committed)",
                source.id,
                batch_dir.name,
                e,
            )
        else:
            log.exception("%s %s: ingestion failed", source.id, batch_dir.name)
        result.status = "failed"
        result.messages.append(f"failed: {type(e).__name__}: {e}")
    finally:
        result.seconds = time.perf_counter() - t0
        fault_point("ingest.before_log_record")
        record_attempt(lake, result, started_at=started, finished_at=_now(), code_version=code_version())
    return result


def _ingest_locked(
    source: Source, batch_dir: Path, batch: str, lake: Lake, result: BatchResult, started: datetime
) -> None:
    refusal = batch_refusal(batch_dir)  # before anything under it is looked at
    if refusal:
        _refuse_batch(source, batch, lake, result, started, *refusal)
        return
    if not is_complete(batch_dir):
        result.status = "incomplete"
        result.messages.append(f"{batch_dir}: no {READY} yet — the sender has not finished; skipped")
        return
    future = future_batch(batch)
    if future:
        _refuse_batch(source, batch, lake, result, started, FUTURE_BATCH, f"{source.id}: {future}; refused")
        return
    raw_final = lake.raw_partition(source.id, batch)
    q_final = lake.quarantine_partition(source.id, batch)
    timings: dict[str, float] = {}

    t = time.perf_counter()
    files = classify_files(batch_dir, source)
    result.files = len(files.all) + len(files.refused)
    sizes = {printable_name(p.name): _size(p) for p in files.all}
    sizes.update({printable_name(p.name): 0 for p, _ in files.refused})  # refused entries: never opened
    previous = read_manifest(raw_final)
    previous_q = read_json_file(q_final / SUMMARY)
    if previous_q and previous_q.get("outcome") != "rejected":
        previous_q = None
    # Checksums decide "unchanged". Hash up front only if the delivery could be
    # the committed one (same names and sizes); otherwise the streaming readers
    # hash while they read, sparing a separate pass over big files.
    hash_first = any(same_sizes(doc.get("delivery") if doc else None, sizes) for doc in (previous, previous_q))
    sums: dict[str, tuple[str, int]] = {
        p.name: checksum(p)
        for p in files.all
        if hash_first or p in files.unexpected or source.format not in STREAM_HASHED
    }
    # A refused entry is part of the delivery's identity by its name and reason only.
    sums.update({p.name: (f"refused:{code}", 0) for p, code in files.refused})
    timings["checksum_s"] = time.perf_counter() - t
    healing: list[str] = []
    if previous is None and raw_final.exists():
        healing.append(f"raw/{source.id}/{raw_final.name}: {MANIFEST} or {SUCCESS} missing or unreadable")
    if hash_first:
        key = delivery_key(source, sums)
        if previous and previous.get("delivery") == key:
            # Same delivery: the raw partition must still be what it committed, else
            # this delivery heals it (verify.py: sizes always, sums when due).
            checked = verify_committed(raw_final)
            result.messages += checked.notes
            if not checked.problems:
                _report_unchanged(result, previous, raw_final, q_final)
                return
            healing += [p.line() for p in checked.problems]
        if previous_q and previous_q.get("delivery") == key:
            result.status = "rejected"
            result.files_rejected = len(previous_q.get("rejected", []))
            result.quarantine = q_final
            result.messages.append(
                f"unchanged since attempt {previous_q.get('commit_id')}, which rejected it; nothing rewritten"
            )
            result.messages += [r["reason"] for r in previous_q.get("rejected", [])]
            return

    commit_id = result.attempt_id
    raw_stage, q_stage = staging_dir(raw_final, commit_id), staging_dir(q_final, commit_id)
    try:
        raw_stage.mkdir(parents=True)  # the quarantine stage appears only if something goes there
        quarantine = QuarantineStage(q_stage, source=source.id, batch=batch)
        t = time.perf_counter()
        file_results = [
            _ingest_file(source, p, i, raw_stage, quarantine, batch, started, sums, lake)
            for i, p in enumerate(files.data)
        ]
        key = delivery_key(source, sums)
        for p in files.unexpected:
            name = printable_name(p.name)
            reason = (
                f"{name}: not a file of {source.id} — the batch may hold only files named like "
                f"{source.file} (optionally split as _part1, _part2, ...) and {READY}"
            )
            if name != p.name:
                reason += "; its name is not valid UTF-8 text (shown with its bytes escaped)"
            quarantine.reject_file(p, reason, sha256=sums[p.name][0])
            file_results.append(
                FileResult(name=name, status="rejected", sha256=sums[p.name][0], bytes=sums[p.name][1], reason=reason)
            )
        for p, code in files.refused:
            detail = f"{printable_name(p.name)}: {REFUSED_WORDS[code]}; refused, not read or copied"
            quarantine.refuse(p.name, code, detail)
            file_results.append(FileResult(name=p.name, status="rejected", reason=detail))
        timings["read_write_s"] = time.perf_counter() - t

        t = time.perf_counter()
        _verify(raw_stage, q_stage, file_results, lake)
        timings["verify_s"] = time.perf_counter() - t
        fault_point("ingest.after_staging")

        loaded = [f for f in file_results if f.status == "loaded"]
        result.file_results = file_results
        result.files_rejected = len(file_results) - len(loaded)
        result.rows_read = sum(f.rows_read for f in loaded)
        result.rows_written = sum(f.rows_written for f in loaded)
        result.rows_quarantined = sum(f.rows_quarantined for f in loaded)
        if loaded:
            result.status = "replaced" if raw_final.exists() else "loaded"
        else:
            result.status = "rejected"
            if not files.data:
                result.messages.append(f"{batch_dir}: no file named like {source.file} in the batch")
        stored = {r["file"]: r.get("stored_as", r["file"]) for r in quarantine.rejected}
        result.messages += _file_messages(file_results, q_final, stored)

        summary = {
            "commit_id": commit_id,
            "source": source.id,
            "batch": batch,
            "outcome": result.status,
            "delivery": key,
            "ingest_code_version": code_version(),
            "created_at": started.isoformat(),
            "rejected": quarantine.rejected,
            "rows": {f.name: f.rows_quarantined for f in loaded if f.rows_quarantined},
        }
        steps = []
        if quarantine.has_content:
            quarantine.write_summary(summary)
            steps.append(Step(q_final, q_stage))
            result.quarantine = q_final
        else:
            remove_tree(q_stage)
            if q_final.exists():
                steps.append(Step(q_final, None))  # the previous delivery's quarantine no longer applies
        if loaded:
            _write_manifest(
                raw_stage,
                source,
                batch,
                commit_id,
                result,
                file_results,
                key,
                timings,
                started,
                q_final if quarantine.has_content else None,
            )
            steps.append(Step(raw_final, raw_stage))  # last: the raw swap is the visible commit
            result.partition = raw_final
        else:
            remove_tree(raw_stage)  # nothing loadable: an earlier good partition stays as it is
            result.partition = raw_final if raw_final.exists() else None
        Commit(lake, source.id, batch, commit_id).apply(steps)
        if healing and loaded:
            result.healed = healing
            result.messages.insert(
                0, f"raw partition damaged ({'; '.join(healing)}): healed, re-ingested from {batch_dir}"
            )
    except Exception:
        # Staging or commit failed part-way: put back exactly what was there before.
        recover_partition(lake, source.id, batch)
        raise


def _refuse_batch(
    source: Source, batch: str, lake: Lake, result: BatchResult, started: datetime, code: str, reason: str
) -> None:
    """A batch refused whole, unread: its quarantine partition holds the reason and a
    summary (rewritten only when the reason changes); an earlier raw partition stays."""
    result.status = "rejected"
    result.messages.append(reason)
    q_final = lake.quarantine_partition(source.id, batch)
    result.quarantine = q_final
    previous = read_json_file(q_final / SUMMARY)
    if previous and previous.get("refused") == code and previous.get("reason") == reason:
        result.messages.append(f"refused already by attempt {previous.get('commit_id')}; nothing rewritten")
        return
    commit_id = result.attempt_id
    q_stage = staging_dir(q_final, commit_id)
    try:
        q_stage.mkdir(parents=True)
        (q_stage / REFUSED_REASON).write_text(
            f"source: {source.id}\nbatch: {batch}\n\n{code}: {reason}\n", encoding="utf-8"
        )
        summary = {
            "commit_id": commit_id,
            "source": source.id,
            "batch": batch,
            "outcome": "rejected",
            "refused": code,
            "reason": reason,
            "ingest_code_version": code_version(),
            "created_at": started.isoformat(),
            "rejected": [],
            "rows": {},
        }
        write_json_atomic(q_stage / SUMMARY, summary)
        Commit(lake, source.id, batch, commit_id).apply([Step(q_final, q_stage)])
    except Exception:
        recover_partition(lake, source.id, batch)
        raise


def _ingest_file(
    source: Source,
    path: Path,
    index: int,
    raw_stage: Path,
    quarantine: QuarantineStage,
    batch: str,
    ingested_at: datetime,
    sums: dict[str, tuple[str, int]],
    lake: Lake,
) -> FileResult:
    """Read one data file into its staged part; fills sums[path.name] if not known yet."""
    t = time.perf_counter()
    fr = FileResult(
        name=printable_name(path.name), format=source.format, encoding=source.encoding, part=f"part-{index:05d}.parquet"
    )
    writer = PartWriter(
        raw_stage / fr.part,
        source.column_names,
        batch=batch,
        file_name=fr.name,
        ingested_at=ingested_at,
        dictionary_columns=code_columns(source),
        nullable=source.format != "csv",  # a CSV value is text, never null ("" stays "")
        metadata={
            "govlake.source": source.id,
            "govlake.batch": batch,
            "govlake.file": fr.name,
            "govlake.ingest_code_version": code_version(),
        },
    )
    fq = quarantine.rows_for(fr.name, source.encoding)
    hasher = CountingHasher() if path.name not in sums else None

    def file_sum() -> tuple[str, int]:
        if path.name not in sums:
            size = path.stat().st_size
            sums[path.name] = (hasher.hexdigest(), size) if hasher and hasher.bytes == size else checksum(path)
        return sums[path.name]

    def reject(reason: str, facts: dict) -> None:
        writer.abort()
        fq.discard()
        fr.sha256, fr.bytes = file_sum()
        quarantine.reject_file(path, reason, sha256=fr.sha256, **facts)
        fr.status, fr.part, fr.reason = "rejected", None, reason
        fr.rows_read = fr.rows_written = fr.rows_quarantined = fr.blank_rows_skipped = 0

    read = reader_for(source)  # outside the try: a format without a reader is the registry's fault
    try:
        read(ReadContext(source, path, writer, fq, fr, hasher, lake))
    except FileUnreadable as e:
        reject(str(e), e.facts())
    except Exception as e:
        if isinstance(e, IntegrityError | MemoryError) or _lake_os_error(e):
            writer.abort()
            fq.discard()
            raise
        # whatever else goes wrong reading one file (a reader's bug, a file that defeats
        # it) rejects that file alone: the batch's other files load, the reason is told
        log.warning("%s: reader error, file rejected: %s: %s", fr.name, type(e).__name__, e, exc_info=True)
        reject(f"{fr.name}: reader_error: {type(e).__name__}: {e}", {})
    except BaseException:
        writer.abort()
        fq.discard()
        raise
    else:
        fr.sha256, fr.bytes = file_sum()
        writer.add_metadata({"govlake.file_sha256": fr.sha256})
        fr.rows_written = writer.close()
        fq.close()
        fr.rows_quarantined = fq.count
        fr.quarantine_examples = fq.examples
    fr.seconds = round(time.perf_counter() - t, 3)
    return fr


def _lake_os_error(e: BaseException) -> bool:
    """An OSError of the lake's own disk (full, read-only, failing), not of the file read."""
    if not isinstance(e, OSError):
        return False
    text = str(e)
    return e.errno in LAKE_ERRNOS or "No space left on device" in text or "Disk quota exceeded" in text


def _size(path: Path) -> int:
    if path.is_dir():
        return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
    return path.stat().st_size


def _verify(raw_stage: Path, q_stage: Path, file_results: list[FileResult], lake: Lake) -> None:
    """Nothing lost, nothing invented: checked before anything becomes visible."""
    loaded = [f for f in file_results if f.status == "loaded"]
    for f in loaded:
        if f.rows_read != f.rows_written + f.rows_quarantined:
            raise VerificationError(
                f"{f.name}: read {f.rows_read} rows but wrote {f.rows_written} and quarantined {f.rows_quarantined}"
            )
    if not loaded:
        return
    glob = str(raw_stage / "part-*.parquet").replace("'", "''")
    # A re-count of what is on disk (not the writer's own tally), plus the _row_no
    # range; cheap: two columns, one dictionary-encoded.
    counted = {
        name: (n, lo, hi)
        for name, n, lo, hi in connection(lake)
        .execute(f"SELECT _file, count(*), min(_row_no), max(_row_no) FROM read_parquet('{glob}') GROUP BY _file")
        .fetchall()
    }
    for f in loaded:
        n, lo, hi = counted.get(f.name, (0, None, None))
        if n != f.rows_written:
            raise VerificationError(f"{f.name}: the reader wrote {f.rows_written} rows, the Parquet holds {n}")
        if n and (lo < 1 or hi > f.rows_read + f.blank_rows_skipped):
            raise VerificationError(f"{f.name}: _row_no outside 1..{f.rows_read + f.blank_rows_skipped} ({lo}..{hi})")
        rows_file = rows_path(q_stage, f.name)
        q = 0
        if rows_file.exists():
            with open(rows_file, "rb") as lines:
                q = sum(1 for _ in lines)
        if q != f.rows_quarantined:
            raise VerificationError(f"{f.name}: {f.rows_quarantined} rows quarantined, the quarantine holds {q}")


def _write_manifest(
    raw_stage: Path,
    source: Source,
    batch: str,
    commit_id: str,
    result: BatchResult,
    file_results: list[FileResult],
    key: dict,
    timings: dict,
    started: datetime,
    quarantine: Path | None,
) -> None:
    files = [f.to_dict() for f in file_results]
    doc = {
        "manifest_version": MANIFEST_VERSION,
        "source": source.id,
        "batch": batch,
        "commit_id": commit_id,
        "status": result.status,
        "ingested_at": started.isoformat(),
        "ingest_code_version": code_version(),
        "delivery": key,
        "columns": source.column_names + list(LINEAGE),
        "files": files,
        "parts": part_sums(raw_stage),
        "totals": {
            "files": len(file_results),
            "files_loaded": sum(f.status == "loaded" for f in file_results),
            "files_rejected": result.files_rejected,
            "rows_read": result.rows_read,
            "rows_written": result.rows_written,
            "rows_quarantined": result.rows_quarantined,
            "bytes": sum(f.bytes for f in file_results),
        },
        "timings": {k: round(v, 3) for k, v in timings.items()},
        "quarantine": str(quarantine) if quarantine else None,
    }
    write_json_atomic(raw_stage / MANIFEST, doc)
    (raw_stage / SUCCESS).touch()


def _report_unchanged(result: BatchResult, manifest: dict, raw_final: Path, q_final: Path) -> None:
    totals = manifest.get("totals", {})
    result.status = "unchanged"
    result.partition = raw_final
    result.quarantine = q_final if q_final.exists() else None
    result.files_rejected = totals.get("files_rejected", 0)
    result.rows_read = totals.get("rows_read", 0)
    result.rows_written = totals.get("rows_written", 0)
    result.rows_quarantined = totals.get("rows_quarantined", 0)
    result.messages.append(
        f"same files as commit {manifest.get('commit_id')} ({manifest.get('ingested_at')}); nothing rewritten"
    )


def _file_messages(file_results: list[FileResult], q_final: Path, stored: dict[str, str] | None = None) -> list[str]:
    out = []
    stored = stored or {}
    for f in file_results:
        if f.status == "rejected" and f.part is None and f.reason and not f.sha256:
            out.append(f.reason)  # refused unread: nothing was copied
            continue
        if f.status == "rejected":
            copy = q_final / "rejected" / stored.get(f.name, f.name)
            out.append(
                f"{f.reason} — file rejected whole, copied to {copy}"
                if f.reason and f.reason.startswith(f.name)
                else f"{f.name}: {f.reason} — file rejected whole, copied to {copy}"
            )
            continue
        examples = sorted(f.quarantine_examples, key=lambda ex: ex["row_no"] or 0)
        for ex in examples[:MAX_ROW_MESSAGES_PER_FILE]:
            where = f"line {ex['line']}" if ex["line"] is not None else "line unknown"
            if ex["row_no"] is not None:
                where += f" (record {ex['row_no']})"
            col = f", column {ex['column']}" if ex.get("column") else ""
            out.append(f"{f.name} {where}{col}: {ex['reason']} — {ex['detail']}; row quarantined")
        if f.rows_quarantined > MAX_ROW_MESSAGES_PER_FILE:
            out.append(
                f"{f.name}: … and {f.rows_quarantined - MAX_ROW_MESSAGES_PER_FILE} more rows quarantined, "
                f"see {rows_path(q_final, f.name)}"
            )
        out += [f"{f.name}: {n}" for n in f.notes]
    return out
