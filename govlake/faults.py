"""Named fault points: where the reliability suite (tests/reliability) kills a run or fills
its disk, to prove that a rerun repairs what the fault left.

    fault_point("ingest.commit.between_swaps")

does nothing unless the environment variable GOVLAKE_FAULT names that point when the
process starts: GOVLAKE_FAULT=<name>[:<nth>][:<mode>] fires on the point's nth hit in
this process (default 1); mode `kill` (default) sends SIGKILL to the process itself — no
handler, no clean-up, as a power cut or the OOM killer would — and mode `enospc` raises
OSError(ENOSPC), as a full disk would at that point. The variable is read once, at
import: a point costs one comparison when nothing is armed.
"""

from __future__ import annotations

import errno
import os
import signal

ENV = "GOVLAKE_FAULT"
MODES = ("kill", "enospc")


def parse(spec: str) -> tuple[str, int, str] | None:
    """(name, nth, mode) of a GOVLAKE_FAULT value; None when empty."""
    if not spec.strip():
        return None
    name, *rest = spec.strip().split(":")
    nth, mode = 1, "kill"
    for part in rest:
        if part.isdigit() and int(part) > 0:
            nth = int(part)
        elif part in MODES:
            mode = part
        else:
            raise ValueError(f"{ENV}={spec!r}: {part!r} is neither a hit number (1, 2, …) nor a mode {MODES}")
    return name, nth, mode


_armed = parse(os.environ.get(ENV, ""))
_hits = 0


def fault_point(name: str) -> None:
    """Fire the armed fault if this is its point and its nth hit; otherwise nothing."""
    global _hits
    if _armed is None or _armed[0] != name:
        return
    _hits += 1
    if _hits != _armed[1]:
        return
    if _armed[2] == "enospc":
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), f"(fault point {name})")
    os.kill(os.getpid(), signal.SIGKILL)
