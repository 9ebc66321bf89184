"""Rich tables the CLI prints: registry, generation, ingestion results, lake summary."""
from __future__ import annotations

import json
from dataclasses import dataclass

from rich.console import Console
from rich.table import Table

from govlake.registry import load_registry
from govlake.settings import Lake


def registry_table() -> Table:
    reg = load_registry()
    t = Table(title="Source registry (数源清单)")
    for col in ("source", "title", "department", "library", "format", "delivery", "columns"):
        t.add_column(col)
    for s in reg.sources.values():
        fmt = s.format + (f" / {s.encoding}" if s.encoding else f" / sheet {s.sheet}")
        t.add_row(s.id, s.title, reg.departments[s.department].name, s.library, fmt,
                  f"{s.delivery.mode}, {s.delivery.cadence}", str(len(s.columns)))
    return t


def source_table(source_id: str) -> Table:
    reg = load_registry()
    s = reg.source(source_id)
    t = Table(title=f"{s.id} — {s.title} (key: {', '.join(s.key)}; file: {s.file})")
    for col in ("header", "name", "type", "req", "format / codes / range", "check", "authority"):
        t.add_column(col)
    for c in s.columns:
        detail = c.format or (
            c.codes if isinstance(c.codes, str) else ", ".join(reg.codes(c) or [])
        ) or (f"{c.range[0]:g}..{c.range[1]:g}" if c.range else "")
        t.add_row(c.header, c.name, c.type, "✓" if c.required else "", detail,
                  ", ".join(c.checks), c.authority or "")
    return t


def generate_table(summary) -> Table:
    t = Table(title="Synthetic city written")
    for col in ("source", "batches", "files", "rows"):
        t.add_column(col, justify="left" if col == "source" else "right")
    for source_id, counts in sorted(summary.sources.items()):
        t.add_row(source_id, f"{counts.batches:,}", f"{counts.files:,}", f"{counts.rows:,}")
    t.caption = f"defects listed in {summary.truth_path}"
    return t


def results_table(results) -> Table:
    t = Table(title="Ingestion")
    for col in ("source", "batch", "status", "files", "rows read", "written", "quarantined", "files rejected", "s"):
        t.add_column(col, justify="left" if col in ("source", "batch", "status") else "right")
    style = {"failed": "red", "rejected": "yellow", "unchanged": "dim", "incomplete": "dim"}
    for r in results:
        t.add_row(r.source_id, r.batch, f"[{style.get(r.status, 'green')}]{r.status}[/]", str(r.files),
                  f"{r.rows_read:,}", f"{r.rows_written:,}", f"{r.rows_quarantined:,}",
                  str(r.files_rejected), f"{r.seconds:.1f}")
    return t


def print_batch_messages(console: Console, results, limit: int = 20) -> None:
    lines = [f"{r.source_id} {r.batch}: {m}" for r in results for m in r.messages]
    for line in lines[:limit]:
        console.print(f"  [yellow]•[/] {line}", highlight=False)
    if len(lines) > limit:
        console.print(f"  … and {len(lines) - limit} more (see the manifests and quarantine/)")


@dataclass
class SourceSummary:
    source_id: str
    batches: int
    rows: int
    quarantined_rows: int
    rejected_files: int
    last_batch: str


def lake_summary(lake: Lake) -> list[SourceSummary]:
    """Per source, what the committed raw partitions hold (read from their manifests)."""
    out = []
    for source_id in sorted(load_registry().sources):
        manifests = sorted((lake.raw / source_id).glob("batch=*/_manifest.json"))
        if not manifests:
            continue
        totals = [json.loads(m.read_text(encoding="utf-8"))["totals"] for m in manifests]
        out.append(
            SourceSummary(
                source_id=source_id,
                batches=len(manifests),
                rows=sum(t["rows_written"] for t in totals),
                quarantined_rows=sum(t["rows_quarantined"] for t in totals),
                rejected_files=sum(t["files_rejected"] for t in totals),
                last_batch=manifests[-1].parent.name.removeprefix("batch="),
            )
        )
    return out


def summary_table(rows: list[SourceSummary]) -> Table:
    t = Table(title="Raw layer")
    for col in ("source", "batches", "rows", "quarantined rows", "rejected files", "last batch"):
        t.add_column(col, justify="left" if col in ("source", "last batch") else "right")
    for r in rows:
        t.add_row(r.source_id, str(r.batches), f"{r.rows:,}",
                  f"[yellow]{r.quarantined_rows:,}[/]" if r.quarantined_rows else "0",
                  f"[yellow]{r.rejected_files}[/]" if r.rejected_files else "0", r.last_batch)
    t.add_row("[bold]total[/]", str(sum(r.batches for r in rows)), f"{sum(r.rows for r in rows):,}",
              f"{sum(r.quarantined_rows for r in rows):,}", str(sum(r.rejected_files for r in rows)), "")
    return t
