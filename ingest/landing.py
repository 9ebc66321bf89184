"""ingest_landing: every complete batch of a landing zone, in worker processes when
it pays (one batch is ingest_batch's job, runner.py).

Batches are independent (own partition, own lock), so they run in parallel
processes, biggest first. Those workers fork from a forkserver that has imported
the ingest code once (worker.py): forking this process could inherit DuckDB/Arrow
thread state, and spawn would re-import everything per worker.

Start-up is on the clock of every run. This module imports nothing heavy at module
level, and a landing zone big enough for workers gets its forkserver started
first thing, so it imports pyarrow, DuckDB and the registry models while this
process loads the registry and lists the batches: on the benchmark's CSV sources
the first batch started 0.51–0.79 s after `import ingest` began (three runs),
0.83–0.93 s when the forkserver started only after all that.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from ingest.results import BatchResult

if TYPE_CHECKING:
    from govlake.registry import Registry, Source
    from govlake.settings import Lake

log = logging.getLogger(__name__)

# Below this much data a process pool costs more (start-up, imports) than it saves.
PARALLEL_MIN_BYTES = 32 << 20
_WORKER_MODULE = "ingest.worker"
# The workers' environment, set when their forkserver starts (a variable already set
# wins). mimalloc, Arrow's allocator, hands freed pages back to the OS after 10 ms, and
# a worker faulted them in again, zeroed, for its next block. Kept instead: ingesting
# the benchmark city's CSV sources (bench/ingest.py) took 93-99k page faults instead of
# 648-654k and 20.1-21.0 s of CPU instead of 21.9-22.2 s (perf stat over the process
# tree, two runs each). What a worker holds stays bounded by its largest batch.
_WORKER_ENV = {"MIMALLOC_PURGE_DELAY": "-1"}


def ingest_landing(
    landing: Path,
    lake: Lake,
    sources: list[str] | None = None,
    progress: Callable[[BatchResult], None] | None = None,
    *,
    workers: int | None = None,
) -> list[BatchResult]:
    """Ingest every complete batch under `landing` (or only `sources`); results in
    (source, batch date) order.

    Incomplete batches (no _READY) are reported as 'incomplete' without an attempt.
    `progress` is called with each BatchResult as soon as it is known. With
    `workers` > 1 batches run in that many processes, biggest first; default: one
    per CPU when the landing zone holds at least PARALLEL_MIN_BYTES, else in-process
    (env GOVLAKE_INGEST_WORKERS overrides). Then every other raw partition of those
    sources (one whose batch landing no longer holds complete) is checked against its
    manifest (verify.py): damage there is a 'failed' result naming it, since no delivery
    is at hand to heal it. At the end the warehouse's ops views are
    refreshed (best effort: a busy warehouse is retried briefly, then skipped with a
    warning).
    """
    landing = Path(landing)
    requested = _requested_workers(workers)
    if requested != 1 and _landing_bytes(landing) >= PARALLEL_MIN_BYTES:
        _start_forkserver()

    from govlake.registry import load_registry
    from ingest.batches import READY, batch_dirs, batch_refusal, is_complete
    from ingest.ops_views import refresh_ops_views_quietly

    registry = load_registry()
    if sources is None:
        present = sorted(p.name for p in landing.iterdir() if p.is_dir()) if landing.is_dir() else []
        for name in present:
            if name not in registry.sources:
                log.warning("landing/%s is not a source in the registry; ignored", name)
        ids = [s for s in present if s in registry.sources]
    else:
        ids = [registry.source(s).id for s in sources]  # fails early on an unknown id

    results: dict[tuple[str, str], BatchResult] = {}
    order: list[tuple[str, str]] = []
    tasks: list[tuple[int, str, Path]] = []

    def done(r: BatchResult) -> None:
        results[(r.source_id, r.batch)] = r
        if progress is not None:
            progress(r)

    for sid in ids:
        for d in batch_dirs(landing, registry.sources[sid]):
            order.append((sid, d.name))
            if batch_refusal(d):  # symlinked or outside the landing root: ingest_batch refuses it, unread
                tasks.append((0, sid, d))
            elif is_complete(d):
                tasks.append((_dir_bytes(d), sid, d))
            else:
                done(BatchResult(sid, d.name, "incomplete", messages=[f"{d}: no {READY} yet; skipped"]))

    n = _workers(requested, tasks)
    if n > 1:
        _run_parallel(tasks, lake, n, done, registry)
    else:
        _run_here(tasks, lake, done, registry)
    # Partitions no batch of this run covered: nothing can heal them, so damage is an error.
    held = (
        ids
        if sources is not None
        else sorted({*ids, *(p.name for p in _subdirs(lake.raw) if p.name in registry.sources)})
    )
    covered = {(sid, d.name) for _, sid, d in tasks}
    for r in _unlanded_damage(lake, landing, held, covered):
        order.append((r.source_id, r.batch))
        done(r)
    refresh_ops_views_quietly(lake)
    return [results[k] for k in order]


def _unlanded_damage(lake: Lake, landing: Path, source_ids: list[str], covered: set) -> list[BatchResult]:
    """A 'failed' result for each damaged raw partition of `source_ids` whose batch the
    landing zone does not hold complete (verify.py: sizes; sums when due)."""
    from datetime import UTC, datetime

    from ingest.commit import new_commit_id
    from ingest.log import record_attempt
    from ingest.manifest import code_version
    from ingest.verify import committed_partitions, verify_batch

    out = []
    for sid, batch in committed_partitions(lake, source_ids):
        if (sid, batch) in covered:
            continue
        started = datetime.now(UTC)
        v = verify_batch(lake, sid, batch, checksums=None)
        if v is None or not v.problems:
            continue
        r = BatchResult(sid, batch, "failed", partition=v.partition, attempt_id=new_commit_id())
        r.messages.append(
            f"{v.summary()} — and {landing / sid / batch} holds no complete delivery of the batch to "
            "re-ingest it from: put the delivery back there (or restore the partition from a backup) "
            "and run `govlake ingest` again"
        )
        record_attempt(lake, r, started_at=started, finished_at=datetime.now(UTC), code_version=code_version())
        out.append(r)
    return out


def _run_here(tasks, lake: Lake, done: Callable[[BatchResult], None], registry: Registry) -> None:
    from ingest.runner import ingest_batch

    for _, sid, d in tasks:
        done(ingest_batch(registry.sources[sid], d, lake, registry=registry))


def _dir_bytes(d: Path) -> int:
    return sum(p.stat().st_size for p in d.iterdir() if p.is_file() and not p.is_symlink())


def _landing_bytes(landing: Path) -> int:
    """Bytes in landing/<source>/<batch>/ files, counted up to PARALLEL_MIN_BYTES."""
    total = 0
    for source in _subdirs(landing):
        for batch in _subdirs(source):
            total += _dir_bytes(batch)
            if total >= PARALLEL_MIN_BYTES:
                return total
    return total


def _subdirs(d: Path) -> list[Path]:
    try:
        return [p for p in d.iterdir() if p.is_dir() and not p.is_symlink()]
    except OSError:
        return []


def _requested_workers(requested: int | None) -> int | None:
    """`requested` or GOVLAKE_INGEST_WORKERS; 1 where no worker process can be started."""
    import multiprocessing as mp

    if mp.current_process().daemon:  # a daemonic process may not start children
        return 1
    if not _main_importable():
        return 1
    if requested is None and os.environ.get("GOVLAKE_INGEST_WORKERS"):
        requested = int(os.environ["GOVLAKE_INGEST_WORKERS"])
    return requested


def _workers(requested: int | None, tasks: list) -> int:
    if requested is None:
        big = sum(size for size, _, _ in tasks) >= PARALLEL_MIN_BYTES
        requested = (os.cpu_count() or 1) if big else 1
    return max(1, min(requested, len(tasks)))


def _main_importable() -> bool:
    """Worker processes re-import __main__ by name or path; code read from stdin
    (`python - <<EOF`) has neither, and every worker would die at start-up."""
    import sys

    main = sys.modules.get("__main__")
    if getattr(main, "__spec__", None) is not None:
        return True
    path = getattr(main, "__file__", None)
    return path is None or os.path.exists(path)


def _context():
    import multiprocessing as mp

    ctx = mp.get_context("forkserver" if "forkserver" in mp.get_all_start_methods() else "spawn")
    if ctx.get_start_method() == "forkserver":
        ctx.set_forkserver_preload([_WORKER_MODULE])
    return ctx


def _start_forkserver() -> None:
    """Have the forkserver (if this platform has one) import the worker code now,
    while this process goes on; the pool started later forks from it."""
    if _context().get_start_method() != "forkserver":
        return
    from multiprocessing import forkserver

    saved = {k: os.environ.get(k) for k in _WORKER_ENV}
    for k, v in _WORKER_ENV.items():
        os.environ.setdefault(k, v)
    try:
        forkserver.ensure_running()  # the forkserver, and every worker, inherit the variables...
    except OSError as e:  # the pool will try again, and say so if it cannot
        log.debug("forkserver not started early: %s", e)
    finally:
        for k, v in saved.items():  # ...this process does not keep them
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def _worker_start(parent: int) -> None:
    # A worker's parent is the forkserver, not this process: without a watch of its
    # own, a worker outlives a `kill -9` of this process (and keeps the forkserver alive).
    from govlake.lifetime import exit_when_gone
    from govlake.pii import install_masking

    exit_when_gone(parent)
    install_masking()  # a worker's log records reach the same console and task log


def _ingest_in_worker(source: Source, batch_dir: str, home: str) -> BatchResult:
    # Runs in a worker: worker.py is already imported there (the forkserver's
    # preload). The parent sends the Source itself: no worker loads the registry.
    from ingest.worker import ingest_one

    return ingest_one(source, batch_dir, home)


def _run_parallel(tasks, lake: Lake, workers: int, done: Callable[[BatchResult], None], registry: Registry) -> None:
    from concurrent.futures import ProcessPoolExecutor, as_completed
    from concurrent.futures.process import BrokenProcessPool

    _start_forkserver()  # if not yet: with the workers' environment
    try:
        pool = ProcessPoolExecutor(
            max_workers=workers, mp_context=_context(), initializer=_worker_start, initargs=(os.getpid(),)
        )
    except (OSError, AssertionError) as e:  # e.g. inside a daemonic process
        log.warning("no worker processes (%s); ingesting in-process", e)
        _run_here(tasks, lake, done, registry)
        return
    broken = []
    with pool:
        futures = {
            pool.submit(_ingest_in_worker, registry.sources[sid], str(d), str(lake.home)): (sid, d)
            for _, sid, d in sorted(tasks, key=lambda t: -t[0])
        }  # biggest first
        for fut in as_completed(futures):
            sid, d = futures[fut]
            try:
                done(fut.result())
            except BrokenProcessPool as e:
                # A worker died (killed, out of memory, could not start): the commit
                # protocol makes a retry safe, so the batches it took are redone here.
                log.warning("%s %s: worker process died (%s); retrying in-process", sid, d.name, e)
                broken.append((sid, d))
    if broken:
        from ingest.runner import ingest_batch

        for sid, d in broken:
            r = ingest_batch(registry.sources[sid], d, lake, registry=registry)
            r.messages.insert(0, "a worker process died on this batch; it was retried in-process")
            done(r)
