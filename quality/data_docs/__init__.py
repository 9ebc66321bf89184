"""What govlake adds to GX's Data Docs after context.build_data_docs: local assets instead of
CDNs (offline.py) and a note telling GX's rule share from the scorecard's row share (note.py).

    finish_docs(directory, counts) -> seconds it took

Cheap beside the run: on the browser test's city (600 persons, seed 17, 5 % defects; 16
validation pages and the index) a quality run took 11.3 s, GX's build_data_docs 0.5 s and
finish_docs 0.08 s (the run's own log lines, time.perf_counter, 2026-12-06, 2 CPUs); alone
on a copy of those docs, 0.04-0.06 s over three runs, ~1.4 MB of assets copied.
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
