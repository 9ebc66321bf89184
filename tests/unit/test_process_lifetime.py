"""govlake.lifetime: children that end with the process they work for (issue 12, item 8)."""

from __future__ import annotations

import subprocess
import sys
import time

import psutil

from govlake.lifetime import EXIT_ORPHANED

PARENT = """
import subprocess, sys, time
from govlake.lifetime import die_with_parent
child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"], preexec_fn=die_with_parent())
print(child.pid, flush=True)
time.sleep(600)
"""

WATCHER = """
import os, sys, time
from govlake.lifetime import exit_when_gone
exit_when_gone(int(sys.argv[1]))
print("watching", flush=True)
time.sleep(600)
"""


def _gone_within(pid: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if psutil.Process(pid).status() == psutil.STATUS_ZOMBIE:
                return True
        except psutil.NoSuchProcess:
            return True
        time.sleep(0.05)
    psutil.Process(pid).kill()
    return False


def test_a_child_started_with_die_with_parent_is_killed_with_its_parent():
    parent = subprocess.Popen([sys.executable, "-c", PARENT], stdout=subprocess.PIPE, text=True)
    child = int(parent.stdout.readline())
    parent.kill()
    parent.wait()
    assert _gone_within(child, 5)


def test_exit_when_gone_ends_the_process_when_the_watched_one_ends():
    watched = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
    watcher = subprocess.Popen([sys.executable, "-c", WATCHER, str(watched.pid)], stdout=subprocess.PIPE, text=True)
    assert watcher.stdout.readline().strip() == "watching"
    watched.kill()
    watched.wait()
    assert watcher.wait(timeout=5) == EXIT_ORPHANED
