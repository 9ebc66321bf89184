"""Record numbers for rows accepted by a streaming parser that skips bad rows.

The parser yields accepted rows in file order and reports each rejected row's
record number r_1 < r_2 < ... . The k-th accepted row then has record number

    k + #{ j : r_j - j < k }

(r_j - j is how many accepted rows precede the j-th rejected one), computed per
batch with numpy — no Python per row.
"""

from __future__ import annotations

import numpy as np


class RowNumberer:
    def __init__(self):
        self.rejected: list[int] = []  # appended to by the parser's callback
        self.accepted = 0
        self._seen = 0
        self._thresholds = np.empty(0, dtype=np.int64)

    def next(self, n: int) -> np.ndarray:
        """Record numbers of the next `n` accepted rows."""
        k = np.arange(self.accepted + 1, self.accepted + n + 1, dtype=np.int64)
        self.accepted += n
        if len(self.rejected) != self._seen:
            self._seen = len(self.rejected)
            r = np.sort(np.asarray(self.rejected, dtype=np.int64))
            self._thresholds = r - np.arange(1, r.size + 1, dtype=np.int64)
        if self._thresholds.size == 0:
            return k
        # #{j : t_j < k} for consecutive k: each threshold adds 1 from k = t_j + 1 on,
        # so one bincount + cumsum (linear) instead of a binary search per row.
        start = np.clip(self._thresholds - k[0] + 1, 0, n)
        return k + np.cumsum(np.bincount(start, minlength=n + 1)[:n])
