"""What govlake adds to GX's Data Docs after context.build_data_docs: local assets instead of
CDNs (offline.py) and a note telling GX's rule share from the scorecard's row share (note.py).

    finish_docs(directory, counts) -> seconds it took
"""

from __future__ import annotations

import time
from pathlib import Path

from quality.data_docs.note import Counts, add_notes
from quality.data_docs.offline import make_offline

__all__ = ["Counts", "finish_docs"]


def finish_docs(directory: Path, counts: dict[str, Counts]) -> float:
    t = time.perf_counter()
    make_offline(directory)
    add_notes(directory, counts)
    return time.perf_counter() - t
