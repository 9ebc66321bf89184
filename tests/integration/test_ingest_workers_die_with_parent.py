"""Ingest's worker processes end with the process they work for (issue 12, item 8): after
`kill -9` of a process ingesting with workers, its workers, their forkserver and the
resource tracker stayed alive (~640 MB), an idle worker waiting for work forever."""

from __future__ import annotations

import subprocess
import sys
import time

import psutil
import pytest

from tests.conftest import REPO

INGEST_THEN_HANG = """
import sys, time
from pathlib import Path

import ingest
from govlake.registry import load_registry
from govlake.settings import Lake
from tests.lake_fixtures import csv_bytes, file_name, household_row, make_batch

if __name__ == "__main__":  # the workers re-import this file
    root = Path(sys.argv[1])
    source = load_registry().sources["gaj.household_register"]
    for batch in ("2026-10-01", "2026-10-02", "2026-10-03"):
        rows = [household_row(i % 90) for i in range(2000)]
        delivery = {file_name(source, batch): csv_bytes(source.headers, rows, encoding="gb18030")}
        make_batch(root / "landing", source.id, batch, delivery)

    def hang(result):  # the first batch is done: every worker exists, some idle, some busy
        print("batch done", flush=True)
        time.sleep(600)

    ingest.ingest_landing(root / "landing", Lake.from_env(root / "lake"), progress=hang, workers=2)
"""


@pytest.mark.slow
def test_a_killed_ingestion_leaves_no_worker_process_behind(tmp_path):
    script = tmp_path / "ingest_then_hang.py"
    script.write_text(INGEST_THEN_HANG, encoding="utf-8")
    proc = subprocess.Popen([sys.executable, str(script), str(tmp_path)], cwd=REPO, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "batch done"
        children = psutil.Process(proc.pid).children(recursive=True)
        assert len(children) >= 3  # forkserver, resource tracker, two workers
    finally:
        proc.kill()
        proc.wait()
    deadline = time.monotonic() + 15
    alive = children
    while alive and time.monotonic() < deadline:
        alive = [p for p in alive if _running(p)]
        time.sleep(0.2)
    survivors = [p.pid for p in alive]
    for p in alive:
        p.kill()
    assert not survivors, f"processes outlived their parent: {survivors}"


def _running(p: psutil.Process) -> bool:
    try:
        return p.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False
