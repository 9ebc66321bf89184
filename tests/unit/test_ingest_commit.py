"""The commit protocol: atomic swaps, and recovery from a crash at any point."""

from __future__ import annotations

import json

import pytest

import ingest.commit as commit
from govlake.settings import Lake
from ingest.commit import Commit, Step, recover, recover_partition, staging_dir


class Crash(BaseException):
    """Stands for the process dying: not caught by `except Exception`."""


def _dir(path, commit_id, payload, manifest="_manifest.json"):
    path.mkdir(parents=True)
    (path / manifest).write_text(json.dumps({"commit_id": commit_id}))
    (path / "data.txt").write_text(payload)
    return path


def _content(path):
    return (path / "data.txt").read_text() if path.exists() else None


@pytest.fixture(params=[True, False], ids=["rename-exchange", "two-renames"])
def lake(request, tmp_path, monkeypatch):
    monkeypatch.setattr(commit, "USE_EXCHANGE", request.param)
    return Lake.from_env(tmp_path)


def _setup(lake, *, old=True, old_q=True, new_q=True):
    raw = lake.raw_partition("s.x", "2026-10-01")
    q = lake.quarantine_partition("s.x", "2026-10-01")
    if old:
        _dir(raw, "old", "old raw")
    if old_q:
        _dir(q, "old", "old q", "_quarantine.json")
    staged_raw = _dir(staging_dir(raw, "new"), "new", "new raw")
    staged_q = _dir(staging_dir(q, "new"), "new", "new q", "_quarantine.json") if new_q else None
    return raw, q, [Step(q, staged_q), Step(raw, staged_raw)]


def _leftovers(lake):
    return sorted(
        p.name
        for root in (lake.raw / "s.x", lake.quarantine / "s.x")
        if root.exists()
        for p in root.iterdir()
        if p.name.startswith((".tmp", ".old", ".trash", ".commit"))
    )


@pytest.mark.parametrize(
    "old,old_q,new_q", [(True, True, True), (False, False, True), (True, True, False), (False, True, False)]
)
def test_apply_publishes_the_new_state(lake, old, old_q, new_q):
    raw, q, steps = _setup(lake, old=old, old_q=old_q, new_q=new_q)
    Commit(lake, "s.x", "2026-10-01", "new").apply(steps)
    assert _content(raw) == "new raw"
    assert _content(q) == ("new q" if new_q else None)
    assert _leftovers(lake) == []


@pytest.mark.parametrize(
    "crash_after,expected,action",
    [
        (0, ("old raw", "old q"), "rolled back"),  # quarantine swapped, raw not yet: back to the old state
        (1, ("new raw", "new q"), "completed"),  # raw swapped (the commit point): keep the new state
    ],
)
def test_a_crash_between_swaps_is_recovered(lake, monkeypatch, crash_after, expected, action):
    raw, q, steps = _setup(lake)

    def die(i, step):
        if i == crash_after:
            raise Crash

    monkeypatch.setattr(commit, "_after_step", die)
    with pytest.raises(Crash):
        Commit(lake, "s.x", "2026-10-01", "new").apply(steps)
    assert (lake.raw / "s.x" / ".commit.2026-10-01.json").exists()  # the journal outlives the crash
    done = recover_partition(lake, "s.x", "2026-10-01")
    assert any(action in d for d in done)
    assert (_content(raw), _content(q)) == expected
    assert _leftovers(lake) == []


def test_a_crash_inside_the_two_rename_fallback_is_rolled_back(tmp_path, monkeypatch):
    lake = Lake.from_env(tmp_path)
    monkeypatch.setattr(commit, "USE_EXCHANGE", False)
    raw, q, steps = _setup(lake, old_q=False, new_q=False)
    steps = [Step(raw, steps[1].staged)]
    real_rename = commit.os.rename
    calls = []

    def rename(a, b):
        calls.append((a, b))
        real_rename(a, b)
        if len(calls) == 1:  # final -> .old done, staged -> final not yet
            raise Crash

    monkeypatch.setattr(commit.os, "rename", rename)
    with pytest.raises(Crash):
        Commit(lake, "s.x", "2026-10-01", "new").apply(steps)
    assert not raw.exists()  # the only window of the fallback: partition briefly absent, never mixed
    monkeypatch.setattr(commit.os, "rename", real_rename)
    recover(lake)
    assert _content(raw) == "old raw"
    assert _leftovers(lake) == []


def test_a_committed_journal_is_rolled_forward(lake, monkeypatch):
    raw, q, steps = _setup(lake)
    monkeypatch.setattr(commit, "_roll_forward", lambda doc: (_ for _ in ()).throw(Crash()))
    with pytest.raises(Crash):
        Commit(lake, "s.x", "2026-10-01", "new").apply(steps)
    monkeypatch.undo()
    done = recover_partition(lake, "s.x", "2026-10-01")
    assert any("completed" in d for d in done)
    assert (_content(raw), _content(q)) == ("new raw", "new q")
    assert _leftovers(lake) == []


def test_stray_staging_directories_are_removed(lake):
    raw, q, steps = _setup(lake)  # staged but never committed: a crash while writing
    assert len(_leftovers(lake)) == 2
    recover(lake)
    assert _leftovers(lake) == []
    assert (_content(raw), _content(q)) == ("old raw", "old q")


def test_staging_names_are_invisible_to_partition_globs(tmp_path):
    final = Lake.from_env(tmp_path).raw_partition("s.x", "2026-10-01")
    name = staging_dir(final, "abc").name
    assert not name.startswith("batch=") and "=" not in name and name.startswith(".")
