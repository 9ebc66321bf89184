"""The audit log: who did what to the lake, when, and with what outcome (docs/audit.md).

    from govlake import audit
    audit.record(lake, "ingest.batch", subject="gaj.household_register/2026-10-01", outcome="loaded",
                 details={"rows_written": 1000})
    with audit.recorded(lake, "dispute.reject", subject="DSP-00001", actor="公安-王") as entry:
        ...                      # one record when the block ends: ok, or refused/failed with the error
    audit.verify(lake)           # the first broken link of the hash chain, if any

<lake>/audit/audit-YYYY-MM.jsonl (the UTC month of the record): one JSON object per line, never
rewritten. Writers are many processes at once — Airflow tasks, ingest worker processes, a CLI —
so a record is appended under an exclusive lock on <lake>/audit/.lock, with O_APPEND, in one
os.write, then fsynced: no two records interleave, none is lost once record() returns.

Tamper evidence, a hash chain: each record carries `seq` (1, 2, … across all files), `prev`
(the previous record's hash) and `hash` (sha256 of the record's canonical JSON without `hash`).
An edited line no longer matches its own hash; a deleted, inserted or moved line breaks `seq`
or `prev`. verify() names the first such line. What a chain cannot show: the last lines cut off,
or the whole chain recomputed after an edit — compare the head hash verify() reports with a copy
kept outside the lake for that.

Nothing personal is written in clear: subject, actor and details pass through
govlake.pii.mask_record (ID numbers and mobiles, wherever they stand in free text).

When the log cannot be written (a full disk, no permission), record() raises AuditError: the
action it reports has happened and stands, but the command or task fails and says so, and a
run does not start when its first record cannot be written. A regulated lake does not go on
working unaudited.
"""

from __future__ import annotations

import errno
import fcntl
import getpass
import hashlib
import json
import os
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from govlake.pii import mask_record
from govlake.settings import Lake

PATTERN = "audit-*.jsonl"
LOCK = ".lock"
GENESIS = "0" * 64  # `prev` of the first record
VIEW_SQL = Path(__file__).with_name("audit_log.sql")
# what Airflow exports to a task process (airflow.sdk.execution_time.context.context_to_airflow_vars)
AIRFLOW_ENV = {
    "dag_id": "AIRFLOW_CTX_DAG_ID",
    "run_id": "AIRFLOW_CTX_DAG_RUN_ID",
    "task_id": "AIRFLOW_CTX_TASK_ID",
    "try_number": "AIRFLOW_CTX_TRY_NUMBER",
}


class AuditError(RuntimeError):
    """The audit log could not be written or continued; the action it reports stands."""


def log_file(lake: Lake, at: datetime) -> Path:
    return lake.audit / f"audit-{at:%Y-%m}.jsonl"


def log_files(lake: Lake) -> list[Path]:
    """The log's files, oldest first (their names sort by month)."""
    return sorted(lake.audit.glob(PATTERN)) if lake.audit.is_dir() else []


def record_hash(rec: dict) -> str:
    body = {k: v for k, v in rec.items() if k != "hash"}
    canonical = json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def who(airflow: dict | None = None) -> dict:
    """OS user, host, process, and the Airflow task this process runs, if any (`airflow`, else
    the AIRFLOW_CTX_* variables Airflow sets in a task process)."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # a container user without a passwd entry
        user = f"uid {os.getuid()}"
    airflow = {k: airflow.get(k) if airflow else os.environ.get(v) for k, v in AIRFLOW_ENV.items()}
    if isinstance(airflow["try_number"], str) and airflow["try_number"].isdigit():
        airflow["try_number"] = int(airflow["try_number"])
    return {
        "user": user,
        "host": socket.gethostname(),
        "pid": os.getpid(),
        "airflow": airflow if any(airflow.values()) else None,
    }


def record(
    lake: Lake,
    action: str,
    *,
    subject: str,
    outcome: str,
    details: dict | None = None,
    actor: str | None = None,
    airflow: dict | None = None,
) -> dict:
    """Append one record; returns it as written. AuditError when it cannot be written.
    `airflow` names the DAG run where the process's own variables would not (a DAG callback)."""
    at = datetime.now(UTC)
    rec = _plain(
        {
            "at": at.isoformat(),
            "action": action,
            "subject": subject,
            "outcome": outcome,
            "actor": actor,
            **who(airflow),
            "details": details or {},
        }
    )
    try:
        lake.audit.mkdir(parents=True, exist_ok=True)
        with _locked(lake.audit / LOCK, fcntl.LOCK_EX):
            files = log_files(lake)
            last = _last_record(files[-1]) if files else None
            rec = {"seq": last["seq"] + 1 if last else 1, **rec, "prev": last["hash"] if last else GENESIS}
            rec["hash"] = record_hash(rec)
            # a clock set back across a month boundary keeps appending to the newest file
            path = max(log_file(lake, at), files[-1]) if files else log_file(lake, at)
            _append(path, (json.dumps(rec, ensure_ascii=False) + "\n").encode("utf-8"))
    except OSError as e:
        raise AuditError(
            f"the audit log {lake.audit} could not be written ({e}); unrecorded: {action} {subject}"
        ) from e
    return rec


def _plain(rec: dict) -> dict:
    """The record masked and as JSON will give it back (paths, dates as text), so that its hash
    is the hash verify() computes from the line."""
    return mask_record(json.loads(json.dumps(rec, ensure_ascii=False, default=str)))


def _append(path: Path, data: bytes) -> None:
    created = not path.exists()
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
    try:
        size = os.fstat(fd).st_size
        try:
            written = os.write(fd, data)
            if written != len(data):
                # a short write is a full disk (or quota) saying so late: the rest's write raises
                # the real error (ENOSPC), which names the cause to whoever reads the message
                os.write(fd, data[written:])
                raise OSError(errno.EIO, f"short write to {path}")
            os.fsync(fd)
        except OSError:
            os.ftruncate(fd, size)  # never leave half a record for the next writer to chain on
            raise
    finally:
        os.close(fd)
    if created:
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)  # the new file's name survives a power cut too
        finally:
            os.close(dir_fd)


@contextmanager
def _locked(path: Path, how: int) -> Iterator[None]:
    # a reader (LOCK_SH) opens the lock read-only: an auditor may verify a log it cannot write
    with open(path, "a" if how == fcntl.LOCK_EX or not path.exists() else "r") as f:
        fcntl.flock(f, how)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def _last_record(path: Path) -> dict | None:
    """The last record of a log file, read from its end."""
    with open(path, "rb") as f:
        end = f.seek(0, os.SEEK_END)
        tail, pos = b"", end
        while pos > 0:
            step = min(8192, pos)
            pos -= step
            f.seek(pos)
            tail = f.read(step) + tail
            if tail.rstrip(b"\n").find(b"\n") >= 0:
                break
    line = tail.rstrip(b"\n").rsplit(b"\n", 1)[-1]
    if not line:
        return None
    try:
        rec = json.loads(line)
        if isinstance(rec, dict) and isinstance(rec.get("seq"), int) and isinstance(rec.get("hash"), str):
            return rec
    except ValueError:
        pass
    raise AuditError(f"the last record of {path} is damaged; the chain cannot go on: run `govlake audit verify`")


# --- records made around a block of work ---------------------------------------------------


@dataclass
class Entry:
    """What the record of a block will say; the block may refine it (subject, outcome, details)."""

    subject: str
    outcome: str | None = None
    details: dict = field(default_factory=dict)


_open = threading.local()  # the entries of the blocks this thread is inside, innermost last


@contextmanager
def recorded(
    lake: Lake,
    action: str,
    *,
    subject: str,
    actor: str | None = None,
    details: dict | None = None,
    started: bool = False,
    refused: tuple[type[BaseException], ...] = (),
) -> Iterator[Entry]:
    """One record when the block ends: the outcome the block set, else "ok"; when it raises,
    "refused" (an exception of `refused`: the action was not allowed) or "failed", with the
    error. started=True also records "started" before the block runs, so a run that dies
    leaves a trace and a run whose start cannot be recorded does not begin."""
    entry = Entry(subject, details=dict(details or {}))
    if started:
        record(lake, action, subject=subject, outcome="started", details=entry.details, actor=actor)
    stack = _open.__dict__.setdefault("entries", [])
    stack.append(entry)
    try:
        yield entry
    except BaseException as e:
        code = _exit_code(e)
        if code == 0:
            entry.outcome = entry.outcome or "ok"
        else:
            entry.outcome = entry.outcome or ("refused" if isinstance(e, refused) else "failed")
            entry.details["error"] = f"exit code {code}" if code is not None else f"{type(e).__name__}: {e}"[:1000]
        record(lake, action, subject=entry.subject, outcome=entry.outcome, details=entry.details, actor=actor)
        raise
    else:
        record(lake, action, subject=entry.subject, outcome=entry.outcome or "ok", details=entry.details, actor=actor)
    finally:
        stack.remove(entry)


def annotate(outcome: str | None = None, **details) -> None:
    """Refine the record of the innermost recorded() block of this thread (no block: nothing)."""
    stack = getattr(_open, "entries", None)
    if stack:
        if outcome:
            stack[-1].outcome = outcome
        stack[-1].details.update(details)


def _exit_code(e: BaseException) -> int | None:
    """A command's exit status carried by the exception (SystemExit, click's Exit), else None."""
    if isinstance(e, SystemExit):
        return e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
    code = getattr(e, "exit_code", None)
    return code if isinstance(code, int) else None


# --- reading and verifying -----------------------------------------------------------------


@dataclass(frozen=True)
class Break:
    file: Path
    line: int
    problem: str

    def __str__(self) -> str:
        return f"{self.file} line {self.line}: {self.problem}"


@dataclass(frozen=True)
class Verified:
    records: int
    files: int
    head: str  # hash of the last record (GENESIS for an empty log)
    broken: Break | None

    @property
    def ok(self) -> bool:
        return self.broken is None


def verify(lake: Lake) -> Verified:
    """Walk the chain through every file; the first record that does not follow is reported."""
    files = log_files(lake)
    n, seq, prev = 0, 0, GENESIS
    if not files:
        return Verified(0, 0, GENESIS, None)
    with _locked(lake.audit / LOCK, fcntl.LOCK_SH):  # no writer half-way through a line meanwhile
        for path in files:
            with open(path, "rb") as f:
                for line_no, raw in enumerate(f, start=1):
                    problem = _link_problem(raw, seq, prev)
                    if problem:
                        return Verified(n, len(files), prev, Break(path, line_no, problem))
                    rec = json.loads(raw)
                    n, seq, prev = n + 1, rec["seq"], rec["hash"]
    return Verified(n, len(files), prev, None)


def _link_problem(raw: bytes, seq: int, prev: str) -> str | None:
    if not raw.endswith(b"\n"):
        return "the last line is incomplete (cut off)"
    try:
        rec = json.loads(raw)
    except ValueError:
        return "not a JSON record (edited or damaged)"
    if not isinstance(rec, dict) or not {"seq", "prev", "hash"} <= rec.keys():
        return "not an audit record (seq, prev or hash missing)"
    if rec["hash"] != record_hash(rec):
        return f"record {rec['seq']} does not match its hash: it was edited"
    if rec["seq"] != seq + 1:
        why = "a record before it was deleted" if rec["seq"] > seq + 1 else "records were moved or repeated"
        return f"record {rec['seq']} follows record {seq}: {why}"
    if rec["prev"] != prev:
        return f"record {rec['seq']} does not chain on the record before it: one of the two was replaced"
    return None


def select_sql(lake: Lake) -> str:
    """The log as a typed relation (audit_log.sql), reading every file at query time."""
    files = str(lake.audit / PATTERN).replace("'", "''")
    return VIEW_SQL.read_text(encoding="utf-8").replace("{files}", f"'{files}'")


def create_view(con, lake: Lake) -> bool:
    """(Re)create ops.audit_log on a warehouse connection; False while the log has no file
    (DuckDB cannot bind read_json over a glob matching nothing)."""
    if not log_files(lake):
        return False
    con.execute("CREATE SCHEMA IF NOT EXISTS ops")
    con.execute("CREATE OR REPLACE VIEW ops.audit_log AS " + select_sql(lake))
    return True
