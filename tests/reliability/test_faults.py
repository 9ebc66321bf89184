"""Faults injected into real `govlake run` processes: each leaves a lake that the next run
repairs to exactly what a clean run gives — same raw rows, same quarantine, same curated
tables — with nothing half-written left behind.

A fault is a named point in the code (govlake/faults.py) armed through GOVLAKE_FAULT in
the environment of one subprocess; a new point needs one line in FAULTS (and
test_reliability_doc.py fails until it has one). Besides the points: a real full disk (a
small tmpfs in a private mount namespace, where the machine allows one), a lake lock held
by another process, a warehouse an analyst's process holds open, two runs at once.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.lake_fixtures import overwrite_middle, truncate
from tests.reliability.harness import copy_lake, damage, lake_contents, one_clear_line, run

pytestmark = pytest.mark.slow


@dataclass(frozen=True)
class Fault:
    point: str
    mode: str = "kill"
    nth: int = 1

    @property
    def spec(self) -> str:
        return f"{self.point}:{self.nth}:{self.mode}"

    @property
    def id(self) -> str:
        return f"{self.mode} at {self.point}" + (f" (hit {self.nth})" if self.nth > 1 else "")


KILLS = [
    Fault("ingest.after_staging"),  # parts and quarantine rows staged and verified
    Fault("ingest.commit.before_swaps"),  # the commit journal written, nothing swapped
    Fault("ingest.commit.between_swaps"),  # quarantine swapped in, raw not yet
    Fault("ingest.commit.after_swaps"),  # both swapped, the journal not marked committed
    Fault("ingest.before_log_record"),  # committed, the ingest log record not written
    Fault("build.before_dbt"),  # planned under the lake lock, dbt not started
    Fault("build.after_dbt"),  # the warehouse built, dbt's artifacts not copied
    Fault("build.before_ledger"),  # built and copied, the build ledger not written
    Fault("quality.after_violations"),  # violations committed, rule results not
    Fault("quality.before_scores"),  # the quality run recorded, its scores not
    Fault("quality.before_gate_recorded"),  # the gate decided, its decision not recorded
    Fault("publish.after_table", nth=3),  # curated publication mid-way
    Fault("publish.before_manifest"),  # every table published, curated/_manifest.json not
    Fault("report.after_workbooks"),  # the workbooks written, the page not
]
FULL_DISKS = [
    Fault("ingest.after_staging", "enospc"),
    Fault("build.before_dbt", "enospc"),
    Fault("publish.after_table", "enospc", nth=3),
]  # a full disk in the dbt build: the real tmpfs case below


def _repaired(lake: Path, city, reference_lake: Path) -> None:
    again = run(lake, city["delta"])
    assert again.returncode == 0, again.console
    assert damage(lake) == []
    assert lake_contents(lake) == lake_contents(reference_lake)


@pytest.mark.parametrize("fault", KILLS, ids=lambda f: f.id)
def test_a_run_killed_at_a_fault_point_is_repaired_by_the_next_run(fault, base_lake, reference_lake, city, tmp_path):
    lake = copy_lake(base_lake, tmp_path / "lake")
    died = run(lake, city["delta"], fault=fault.spec)
    assert died.returncode == -signal.SIGKILL, died.console  # the point was reached
    _repaired(lake, city, reference_lake)


@pytest.mark.parametrize("fault", FULL_DISKS, ids=lambda f: f.id)
def test_a_full_disk_at_a_fault_point_is_one_line_and_leaves_nothing_half_written(
    fault, base_lake, reference_lake, city, tmp_path
):
    lake = copy_lake(base_lake, tmp_path / "lake")
    failed = run(lake, city["delta"], fault=fault.spec)
    assert failed.returncode == 1, failed.console
    assert one_clear_line(failed), failed.console
    assert "no space left on device" in failed.console.lower()
    assert damage(lake) == []
    _repaired(lake, city, reference_lake)


_FILL = """\
set -e
mount -t tmpfs -o size={size}k tmpfs {mnt}
cp -a {base} {mnt}/lake
set +e
{python} -m conductor.cli run --landing {landing} --home {mnt}/lake > {out}/stdout 2> {out}/stderr
echo $? > {out}/rc
cp -a {mnt}/lake {out}/lake
"""


def _private_mounts() -> bool:
    if not shutil.which("unshare"):
        return False
    probe = subprocess.run(["unshare", "-rm", "sh", "-c", "mount -t tmpfs tmpfs /mnt"], capture_output=True)
    return probe.returncode == 0


def test_a_real_full_disk_is_one_line_and_leaves_nothing_half_written(base_lake, reference_lake, city, tmp_path):
    """The lake on a tmpfs with 300 KiB to spare: the run fills it (in dbt's build), says so
    in one line; the lake copied out is whole, and a run with room repairs it."""
    if not _private_mounts():
        pytest.skip("no private mount namespace here (unshare -rm + mount tmpfs refused): the ENOSPC cases cover it")
    mnt, out = tmp_path / "mnt", tmp_path / "out"
    mnt.mkdir(), out.mkdir()
    size = sum(p.lstat().st_blocks for p in base_lake.rglob("*")) // 2 + 300  # KiB, as du counts
    script = _FILL.format(size=size, mnt=mnt, base=base_lake, python=sys.executable, landing=city["delta"], out=out)
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO), "COLUMNS": "300", "GOVLAKE_TODAY": "2027-01-31"}
    subprocess.run(["unshare", "-rm", "sh", "-c", script], cwd=REPO, env=env, check=True, timeout=600)
    console = (out / "stdout").read_text() + (out / "stderr").read_text()
    assert (out / "rc").read_text().strip() == "1", console
    assert "Traceback" not in console and "no space left on device" in console.lower(), console
    lake = out / "lake"
    assert damage(lake) == []
    _repaired(lake, city, reference_lake)


HOLD_LOCK = """
import sys, time
from govlake.lock import lake_lock
from govlake.settings import Lake
with lake_lock(Lake.from_env(sys.argv[1])):
    print("locked", flush=True)
    time.sleep(float(sys.argv[2]))
"""

HOLD_WAREHOUSE = """
import sys, duckdb
con = duckdb.connect(sys.argv[1])  # an analyst's notebook: a writer, without the lake lock
print("open", flush=True)
sys.stdin.read()
"""


def _holder(code: str, *args: str) -> subprocess.Popen:
    proc = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(code), *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=REPO,
        env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"},
    )
    assert proc.stdout.readline().strip() in ("locked", "open")
    return proc


def test_a_run_waits_for_the_lake_lock_another_process_holds(base_lake, reference_lake, city, tmp_path):
    lake = copy_lake(base_lake, tmp_path / "lake")
    holder = _holder(HOLD_LOCK, str(lake), "5")
    try:
        ran = run(lake, city["delta"])
    finally:
        holder.wait(timeout=60)
    assert ran.returncode == 0, ran.console
    assert one_clear_line(ran)
    assert f"(pid {holder.pid})" in ran.stderr and "waiting for the lake lock" in ran.stderr
    assert damage(lake) == []
    assert lake_contents(lake) == lake_contents(reference_lake)


def test_a_warehouse_another_process_holds_open_is_one_line_and_then_repaired(
    base_lake, reference_lake, city, tmp_path
):
    lake = copy_lake(base_lake, tmp_path / "lake")
    holder = _holder(HOLD_WAREHOUSE, str(lake / "warehouse.duckdb"))
    try:
        blocked = run(lake, city["delta"])
    finally:
        holder.stdin.close()
        holder.wait(timeout=60)
    assert blocked.returncode == 1, blocked.console
    assert one_clear_line(blocked), blocked.console
    assert "another process holds the warehouse" in blocked.console
    assert damage(lake) == []
    _repaired(lake, city, reference_lake)


def test_two_runs_at_once_both_end_well_and_the_lake_equals_a_clean_run(base_lake, reference_lake, city, tmp_path):
    lake = copy_lake(base_lake, tmp_path / "lake")
    args = [sys.executable, "-m", "conductor.cli", "run", "--landing", str(city["delta"]), "--home", str(lake)]
    env = {**os.environ, "PYTHONPATH": str(REPO), "COLUMNS": "300"}
    env.pop("GOVLAKE_FAULT", None)
    procs = [
        subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO, env=env)
        for _ in range(2)
    ]
    outputs = [p.communicate(timeout=600) for p in procs]
    for p, (stdout, stderr) in zip(procs, outputs, strict=True):
        assert p.returncode == 0, stdout + stderr
        assert "Traceback" not in stdout + stderr
    assert damage(lake) == []
    assert lake_contents(lake) == lake_contents(reference_lake)


RAW_DAMAGE = {
    "a raw part overwritten in place": overwrite_middle,  # same size: its moved mtime gets it hashed
    "a raw part truncated": truncate,
    "a raw part deleted": Path.unlink,
}


@pytest.mark.parametrize("how", RAW_DAMAGE)
def test_raw_damaged_between_runs_is_healed_from_landing_by_the_next_run(
    how, base_lake, reference_lake, city, tmp_path
):
    lake = copy_lake(base_lake, tmp_path / "lake")
    part = sorted((lake / "raw").glob("*/batch=*/part-*.parquet"))[0]
    RAW_DAMAGE[how](part)
    healed = run(lake, city["delta"])
    assert healed.returncode == 0, healed.console
    assert "healed, re-ingested from" in healed.console
    assert damage(lake) == []
    assert lake_contents(lake) == lake_contents(reference_lake)
