"""The per-source tables the CLI and the demo print show whole source ids on an 80-column
terminal (a shortened `dsj.e_licen…` names nothing)."""

from __future__ import annotations

import pytest
from rich.console import Console

from conductor.reporting import SourceSummary, results_table, summary_table
from ingest.results import BatchResult


def _render(table) -> str:
    console = Console(width=80, record=True, color_system=None)
    console.print(table)
    return console.export_text()


def _raw_layer(registry) -> list[SourceSummary]:
    # sizes of a 1,000,000-person city
    return [SourceSummary(sid, 99, 9_999_999, 99_999, 999, "2026-10-03") for sid in sorted(registry.sources)]


def test_raw_layer_table_shows_every_source_id_whole_in_80_columns(registry):
    text = _render(summary_table(_raw_layer(registry)))
    assert "…" not in text
    for sid in registry.sources:
        assert sid in text
    assert max(len(line.rstrip()) for line in text.splitlines()) <= 80


@pytest.mark.parametrize("per_batch", [False, True])
def test_ingestion_table_shows_every_source_id_whole_in_80_columns(registry, per_batch):
    results = [
        BatchResult(
            sid,
            "2026-10-03",
            "loaded",
            rows_read=999_999,
            rows_written=999_999,
            rows_quarantined=9_999,
            files_rejected=9,
            seconds=12.3,
        )
        for sid in registry.sources
    ]
    text = _render(results_table(results, per_batch=per_batch))
    assert "…" not in text
    for sid in registry.sources:
        assert sid in text


def test_the_held_gate_shows_source_ids_and_reasons_whole_in_80_columns(registry, monkeypatch):
    from quality import cli

    console = Console(width=80, record=True, color_system=None)
    monkeypatch.setattr(cli, "console", console)
    reason = "zrzy.standard_address batch 2026-10-01: 1 file(s) rejected whole (accessibility.file_readable)"
    held = {
        "source_id": "zrzy.standard_address",
        "batch": "2026-10-01",
        "blocking_failed": 0,
        "checked": 0,
        "share": None,
        "threshold": 0.1,
        "reasons": reason,
    }
    cli.print_gate({"passed": False, "gate_id": "g1", "batches": 41, "failed": [held]})
    text = console.export_text()
    assert "│ zrzy.standard_address " in text  # one table cell, not folded over three lines
    assert reason in " ".join(text.split())  # whole, wrapped at word boundaries, not folded in a column
    assert max(len(line.rstrip()) for line in text.splitlines()) <= 80
