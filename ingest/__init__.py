"""Landing -> raw: lossless decoding of departmental deliveries into Parquet.

Public API:
    find_complete_batches(landing, source) -> list[Path]
    ingest_batch(source, batch_dir, lake, *, registry=None) -> BatchResult
    ingest_landing(landing, lake, sources=None, progress=None) -> list[BatchResult]
    recover(lake) -> list[str]          finish/undo interrupted commits lake-wide

See runner.py for the steps, commit.py for the commit protocol.
"""
from ingest.batches import find_complete_batches
from ingest.commit import recover
from ingest.model import BatchResult, FileResult
from ingest.runner import ingest_batch, ingest_landing

__all__ = ["BatchResult", "FileResult", "find_complete_batches", "ingest_batch", "ingest_landing", "recover"]
