"""Child processes that end with the process they work for.

A SIGKILLed process runs no clean-up, so its children live on unless they watch it
themselves. Found by a hostile test (issue 12, item 8): after `kill -9` of a process
ingesting with worker processes, the workers, their forkserver and multiprocessing's
resource tracker stayed (~640 MB) — an idle worker waits for work forever, and each
worker holds the forkserver's "alive" pipe open, which keeps the forkserver (and it the
resource tracker) from noticing.

Two tools, Linux first, harmless elsewhere:

- `exit_when_gone(pid)`: a daemon thread blocks on a pidfd of `pid` (no polling) and
  ends this process the moment `pid` exits. For multiprocessing workers, whose parent
  is a forkserver rather than the process they work for.
- `die_with_parent()`: a `preexec_fn` for subprocess: the kernel kills the child
  when its parent dies (PR_SET_PDEATHSIG).
"""

from __future__ import annotations

import ctypes
import os
import select
import signal
import sys
import threading

_PR_SET_PDEATHSIG = 1
EXIT_ORPHANED = 70  # EX_SOFTWARE-like: the process it worked for is gone


def exit_when_gone(pid: int) -> bool:
    """End this process (os._exit) as soon as process `pid` ends (at once if it has
    already); False if the platform cannot watch a process (no pidfd)."""
    try:
        fd = os.pidfd_open(pid)
    except ProcessLookupError:  # gone already
        os._exit(EXIT_ORPHANED)
    except (AttributeError, OSError):  # not Linux >= 5.3
        return False

    def watch() -> None:
        select.select([fd], [], [])  # readable once the process has exited
        os._exit(EXIT_ORPHANED)  # nothing to clean up: the lake's commit protocol makes any stop safe

    threading.Thread(target=watch, name=f"exit-when-{pid}-gone", daemon=True).start()
    return True


def die_with_parent():
    """A preexec_fn for subprocess: the kernel SIGKILLs the child when the thread that
    started it dies (Linux; elsewhere nothing). Call it in the parent:
    `subprocess.run(..., preexec_fn=die_with_parent())`."""
    parent = os.getpid()

    def preexec() -> None:
        if not sys.platform.startswith("linux"):
            return
        try:
            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):
            return
        if os.getppid() != parent:  # the parent died before prctl took effect
            os._exit(EXIT_ORPHANED)

    return preexec
