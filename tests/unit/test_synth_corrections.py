"""The corrected re-deliveries of a synthetic city's files rejected whole (synth/corrections.py),
which the demo hands back to the pipeline after the gate held their batches."""

from __future__ import annotations

import csv

import pytest

from govlake.registry import load_registry
from synth import generate_city
from synth.corrections import rejected_whole, write_corrections

PERSONS, SEED = 2000, 42


@pytest.fixture(scope="module")
def city(tmp_path_factory):
    root = tmp_path_factory.mktemp("corrections")
    generate_city(root / "landing", persons=PERSONS, seed=SEED)
    fixed = write_corrections(root / "landing", root / "fixed", persons=PERSONS, seed=SEED)
    return root, fixed


def _rows(path, encoding):
    with open(path, encoding=encoding, newline="") as fh:
        return list(csv.reader(fh))


def test_every_file_broken_at_file_level_gets_its_correction(city):
    root, fixed = city
    assert fixed == rejected_whole(root / "landing") and fixed


def test_a_correction_holds_the_interface_header_and_the_rows_of_the_broken_file(city):
    root, fixed = city
    registry = load_registry()
    for rel in fixed:
        source = registry.source(rel.parts[0])
        encoding = "utf-8-sig" if (source.encoding or "").startswith("utf-8") else (source.encoding or "utf-8")
        broken, good = _rows(root / "landing" / rel, encoding), _rows(root / "fixed" / rel, encoding)
        assert good[0] == [c.header for c in source.columns]
        kept = [good[0].index(h) for h in broken[0] if h in good[0]]
        assert [[r[i] for i in kept] for r in good[1:]] == [
            [r[broken[0].index(good[0][i])] for i in kept] for r in broken[1:]
        ]
