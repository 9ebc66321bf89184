"""The landing zone a benchmark ingests without its held-back day (bench/build.py's
landing_without, used by bench/build.py and bench/scale.py): ingestion takes it."""

from __future__ import annotations

from pathlib import Path

import pytest

from govlake.settings import Lake
from ingest import ingest_landing
from synth import generate_city
from tests.bench_modules import load_bench


@pytest.fixture(scope="module")
def build():
    return load_bench("build")


@pytest.fixture(scope="module")
def view(build, tmp_path_factory) -> tuple[Path, Path, list[Path]]:
    work = tmp_path_factory.mktemp("bench-landing")
    city = work / "city"
    generate_city(city, persons=200, seed=3)
    held = build.newest_daily_batches(city)
    return city, build.landing_without(city, held, work / "view"), held


def test_the_view_holds_every_batch_but_the_held_ones_as_real_directories(view):
    city, into, held = view
    batches = sorted(d.relative_to(into) for d in into.glob("*.*/*"))
    expected = sorted(d.relative_to(city) for d in city.glob("*.*/*") if d.is_dir() and d not in held)
    assert batches == expected
    assert not any((into / b).is_symlink() for b in batches)


def test_the_views_files_are_the_citys_hard_linked(view):
    city, into, _ = view
    for f in into.glob("*.*/*/*"):
        assert f.stat().st_ino == (city / f.relative_to(into)).stat().st_ino


def test_ingestion_loads_the_view(view, tmp_path):
    _, into, held = view
    results = ingest_landing(into, Lake(tmp_path / "lake"))
    assert not [m for r in results for m in r.messages if "symlink" in m]
    assert sum(r.status == "loaded" for r in results) > len(results) // 2
    assert {(r.source_id, r.batch) for r in results}.isdisjoint({(h.parent.name, h.name) for h in held})
