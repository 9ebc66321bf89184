"""Same seed, same bytes (in one process or two); another seed, another city."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from synth import generate_city


def _files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def first(tmp_path_factory):
    out = tmp_path_factory.mktemp("a") / "landing"
    generate_city(out, persons=900, seed=5, defect_rate=0.02)
    return _files(out)


def test_same_seed_gives_identical_bytes(first, tmp_path):
    out = tmp_path / "landing"
    summary = generate_city(out, persons=900, seed=5, defect_rate=0.02)
    again = _files(out)
    assert again.keys() == first.keys()
    assert [k for k in first if first[k] != again[k]] == []
    assert summary.truth_path == out / "_truth" / "defects.csv"
    assert any(k.endswith(".xlsx") for k in first)


def test_two_processes_write_the_same_city(first, tmp_path, monkeypatch):
    monkeypatch.setenv("GOVLAKE_SYNTH_WORKERS", "2")
    out = tmp_path / "landing"
    generate_city(out, persons=900, seed=5, defect_rate=0.02)
    again = _files(out)
    assert [k for k in first if first[k] != again.get(k)] == []


def test_another_seed_gives_another_city(first, tmp_path):
    out = tmp_path / "landing"
    generate_city(out, persons=900, seed=6, defect_rate=0.02)
    other = _files(out)
    data = [k for k in first if not k.endswith("_READY")]
    differing = [k for k in data if first[k] != other.get(k)]
    # the calendar is the same, the contents are not
    assert other.keys() == first.keys()
    assert len(differing) >= 0.9 * len(data)


def test_regenerating_replaces_a_previous_city(tmp_path):
    out = tmp_path / "landing"
    generate_city(out, persons=300, seed=1, end_date=date(2026, 10, 3))
    generate_city(out, persons=300, seed=1, end_date=date(2026, 11, 20))
    batches = {p.name for p in (out / "gaj.household_register").iterdir()}
    assert batches == {"2026-11-16", "2026-11-17", "2026-11-18", "2026-11-19", "2026-11-20"}


def test_refuses_to_mix_with_foreign_deliveries(tmp_path):
    foreign = tmp_path / "landing" / "gaj.household_register" / "2026-01-01"
    foreign.mkdir(parents=True)
    (foreign / "hjrk_20260101.csv").write_text("x")
    with pytest.raises(FileExistsError):
        generate_city(tmp_path / "landing", persons=300)
