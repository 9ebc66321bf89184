"""What runs in ingest's worker processes (landing.py): `ingest_one`, and their set-up.

The forkserver that forks the workers imports this module once, so every worker
starts with the ingest code and the CSV reader's libraries loaded; the process
that called ingest_landing never imports it. `set_up()` runs once in each worker:

- glibc malloc keeps freed memory for reuse instead of returning it to the OS:
  the transcoder's multi-MiB strings and buffers, freed after every block, were
  otherwise handed back and page-faulted in again for the next one (page zeroing
  fell from ~5% to ~2.7% of the CPU samples on a 1M-row file);
- everything loaded so far is frozen for the cyclic garbage collector, which
  otherwise rescans every imported module's objects on each full collection
  (~2% of a worker's CPU). Only in the worker: frozen objects are never freed, and
  DuckDB's bindings report them as leaks when an interpreter shuts down normally
  (forkserver workers end with os._exit; other start methods unfreeze at exit).

A worker reading CSV never imports pandas: pyarrow imports it whenever it is handed a
Python object to convert (pa.scalar, pa.array of a list or even of an ndarray), which
cost 0.56 s (import profile) in each worker's first batch; the CSV path builds its Arrow
data from buffers instead (parquet.py, readers/csvplain.py, readers/marks.py; a test in
tests/integration/test_ingest_csv_blocks.py guards it). landing.py gives the workers
their allocator setting.
"""

import atexit
import ctypes
import gc
from pathlib import Path

import ingest.readers.csv_stream  # noqa: F401  (the reader of nearly every big batch)
from govlake.registry import Source
from govlake.settings import Lake
from ingest.results import BatchResult
from ingest.runner import ingest_batch

_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3  # mallopt parameters (malloc.h)
_ready = False


def ingest_one(source: Source, batch_dir: str, home: str) -> BatchResult:
    set_up()
    return ingest_batch(source, Path(batch_dir), Lake(Path(home)))


def set_up() -> None:
    global _ready
    if _ready:
        return
    _ready = True
    _keep_freed_memory()
    gc.freeze()
    atexit.register(gc.unfreeze)


def _keep_freed_memory() -> None:
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:  # not glibc: nothing to tune
        return
    libc.mallopt(_M_MMAP_THRESHOLD, 64 << 20)  # blocks' buffers come from the heap...
    libc.mallopt(_M_TRIM_THRESHOLD, 512 << 20)  # ...which is not shrunk between blocks
