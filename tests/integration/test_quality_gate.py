"""The promotion gate under real ingestion, dbt, DuckDB and Great Expectations, through `govlake run`.

One generated city (1,000 persons, no injected defects: a rejected file holds its batch, so
the generator's forced rejected files would hold every run; those are the subject of
tests/integration/test_quality_rejected_files.py) whose latest household-register file has
half its ID check digits corrupted: `govlake run` holds promotion (curated not published,
the decision recorded with source, batch, rule and share); the corrected file re-delivered
under the same batch date is re-ingested, re-built, re-checked, passes and is published.
"""

from __future__ import annotations

import json
import shutil

import duckdb
import pytest
from typer.testing import CliRunner

from conductor.cli import app
from govlake.identifiers import is_valid_id_card
from govlake.settings import Lake

pytestmark = pytest.mark.slow

PERSONS, SEED = 1000, 5
SOURCE, COLUMN = "gaj.household_register", "公民身份号码"


def _corrupt_check_digits(path, every: int = 2) -> int:
    """Change the check character of every `every`-th ID number (the first column) of a CSV;
    works on bytes, so the file's own encoding and its injected undecodable bytes stay as they are."""
    lines, n = path.read_bytes().split(b"\r\n"), 0
    assert lines[0].decode("gb18030").split(",")[0] == COLUMN
    for i in range(1, len(lines)):
        id_no = lines[i][:18].decode("ascii", "replace")
        if i % every == 0 and lines[i][18:19] == b"," and is_valid_id_card(id_no):
            bad = next(c for c in "0123456789X" if c != id_no[-1])
            lines[i] = lines[i][:17] + bad.encode() + lines[i][18:]
            n += 1
    path.write_bytes(b"\r\n".join(lines))
    return n


def _run(landing, lake):
    return CliRunner().invoke(app, ["run", "--landing", str(landing), "--home", str(lake.home)], env={"COLUMNS": "250"})


def _decisions(lake, batch):
    with duckdb.connect(str(lake.warehouse), read_only=True) as con:
        return con.execute(
            "SELECT gate_id, passed, blocking_failed, checked, share, threshold, reasons "
            "FROM quality.gate_decisions WHERE source_id = ? AND batch = ? ORDER BY decided_at",
            [SOURCE, batch],
        ).fetchall()


@pytest.fixture(scope="module")
def city(tmp_path_factory):
    from synth import generate_city

    root = tmp_path_factory.mktemp("gate")
    landing, lake = root / "landing", Lake(root / "lake")
    generate_city(landing, persons=PERSONS, seed=SEED, defect_rate=0.0)
    batch_dir = sorted(p for p in (landing / SOURCE).iterdir() if p.is_dir())[-1]
    (delivered,) = batch_dir.glob("*.csv")
    good = root / "good.csv"
    shutil.copy2(delivered, good)
    corrupted = _corrupt_check_digits(delivered)

    held = _run(landing, lake)
    held_state = {
        "curated": lake.curated.exists() and any(lake.curated.rglob("*.parquet")),
        "decisions": _decisions(lake, batch_dir.name),
    }

    shutil.copyfile(good, delivered)  # the department's corrected re-delivery, same batch date
    fixed = _run(landing, lake)
    return {
        "lake": lake,
        "batch": batch_dir.name,
        "corrupted": corrupted,
        "held": held,
        "held_state": held_state,
        "fixed": fixed,
    }


def test_a_badly_broken_batch_is_held_and_curated_is_not_published(city):
    held, state, batch = city["held"], city["held_state"], city["batch"]
    assert held.exit_code == 1, held.output
    assert not state["curated"]
    ((gate_id, passed, failed, checked, share, threshold, reasons),) = state["decisions"]
    assert not passed
    assert failed >= city["corrupted"] and share > threshold == 0.05
    for part in (SOURCE, batch, f"accuracy.check_digit.{SOURCE}.id_no", f"{share:.2%}", f"{threshold:.2%}"):
        assert part in reasons
        assert part in " ".join(held.output.split())  # the reason is printed, not only recorded


def test_the_fixed_redelivery_passes_the_gate_and_is_published(city):
    fixed, lake, batch = city["fixed"], city["lake"], city["batch"]
    assert fixed.exit_code == 0, fixed.output
    decisions = _decisions(lake, batch)
    assert [d[1] for d in decisions] == [False, True]
    assert decisions[-1][4] < decisions[-1][5]
    manifest = json.loads((lake.curated / "_manifest.json").read_text(encoding="utf-8"))
    assert "base_population__person" in manifest["tables"]
    assert (lake.curated / "population" / "base_population__person.parquet").exists()


def test_the_audit_log_tells_both_runs_with_their_gate_decisions_and_exports(city):
    from govlake import audit

    lake, batch = city["lake"], city["batch"]
    lines = [line for f in audit.log_files(lake) for line in f.read_text(encoding="utf-8").splitlines()]
    recs = [json.loads(line) for line in lines]
    story = [(r["action"], r["outcome"]) for r in recs if not r["action"].startswith("ingest.")]
    assert story == [
        ("pipeline.run", "started"),
        ("quality.gate", "held"),
        ("export.report", "ok"),
        ("export.catalog_site", "ok"),
        ("export.catalog", "ok"),
        ("pipeline.run", "held"),
        ("pipeline.run", "started"),
        ("quality.gate", "passed"),
        ("export.curated", "ok"),
        ("export.report", "ok"),
        ("export.catalog_site", "ok"),
        ("export.catalog", "ok"),
        ("pipeline.run", "ok"),
    ]
    gate = next(r for r in recs if r["action"] == "quality.gate")
    assert gate["details"]["held"] == [f"{SOURCE} {batch}"] and f"{SOURCE} batch {batch}" in gate["details"]["reason"]
    redelivered = [r["outcome"] for r in recs if r["subject"] == f"{SOURCE}/{batch}"]
    assert redelivered == ["loaded", "replaced"]
    assert audit.verify(lake).ok
