"""The audit log under several writer processes at once (Airflow tasks, ingest workers, a CLI):
every record whole, none lost, one unbroken chain."""

from __future__ import annotations

import json
import subprocess
import sys
import time

from govlake import audit
from tests.conftest import REPO

WRITERS, RECORDS = 4, 50

WRITER = """
import os, sys, time
from pathlib import Path
from govlake import audit
from govlake.settings import Lake
lake, go, writer = Lake(Path(sys.argv[1])), Path(sys.argv[2]), sys.argv[3]
while not go.exists():  # start together
    time.sleep(0.001)
for i in range(int(sys.argv[4])):
    audit.record(lake, "test.concurrent", subject=f"{writer}/{i}", outcome="ok", details={"pad": "x" * 3000})
"""


def test_concurrent_writers_keep_every_line_whole_and_the_chain_valid(lake, tmp_path):
    go = tmp_path / "go"
    procs = [
        subprocess.Popen([sys.executable, "-c", WRITER, str(lake.home), str(go), f"w{n}", str(RECORDS)], cwd=REPO)
        for n in range(WRITERS)
    ]
    time.sleep(1.0)  # let every writer import and wait at the line
    go.touch()
    assert [p.wait(timeout=120) for p in procs] == [0] * WRITERS

    lines = [line for f in audit.log_files(lake) for line in f.read_text(encoding="utf-8").splitlines()]
    recs = [json.loads(line) for line in lines]  # every line parses: none interleaved
    assert len(recs) == WRITERS * RECORDS
    assert sorted(r["subject"] for r in recs) == sorted(f"w{n}/{i}" for n in range(WRITERS) for i in range(RECORDS))
    assert [r["seq"] for r in recs] == list(range(1, WRITERS * RECORDS + 1))
    assert len({r["pid"] for r in recs}) == WRITERS
    assert audit.verify(lake).ok
