"""Landing -> raw: lossless decoding of departmental deliveries into Parquet.

Public API:
    find_complete_batches(landing, source) -> list[Path]
    ingest_batch(source, batch_dir, lake, *, registry=None) -> BatchResult
    ingest_landing(landing, lake, sources=None, progress=None) -> list[BatchResult]
    recover(lake) -> list[str]          finish/undo interrupted commits lake-wide

See runner.py for the steps of a batch, landing.py for a whole landing zone,
commit.py for the commit protocol.

`import ingest` loads only ingest_landing's light module; the rest of the API is
imported on first use (PEP 562), so that ingest_landing can start its worker
processes before this process has imported pyarrow, DuckDB or the registry.
"""

from importlib import import_module

from ingest.landing import ingest_landing
from ingest.results import BatchResult, FileResult

__all__ = ["BatchResult", "FileResult", "find_complete_batches", "ingest_batch", "ingest_landing", "recover"]

_LAZY = {"find_complete_batches": "ingest.batches", "ingest_batch": "ingest.runner", "recover": "ingest.commit"}


def __getattr__(name: str):
    if name not in _LAZY:
        raise AttributeError(f"module 'ingest' has no attribute {name!r}")
    value = getattr(import_module(_LAZY[name]), name)
    globals()[name] = value
    return value
