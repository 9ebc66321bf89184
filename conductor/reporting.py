"""Rich tables the CLI prints: registry, generation, ingestion results, lake summary."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from rich import box
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from govlake.pii import mask_text
from govlake.registry import load_registry
from govlake.settings import Lake


def _per_source_table(title: str, columns: tuple[str, ...], left: tuple[str, ...]) -> Table:
    """A table with one row per source for an 80-column terminal that cuts no value: no
    vertical rules, two-word headers on two lines, the source column as wide as the longest
    source id, and any other value folded onto a second line rather than shortened."""
    t = Table(title=title, box=box.SIMPLE_HEAD, pad_edge=False, collapse_padding=True)
    for col in columns:
        header = col.replace(" ", "\n")
        if col == "source":
            t.add_column(header, no_wrap=True, min_width=max(len(s) for s in load_registry().sources))
        else:
            t.add_column(header, overflow="fold", justify="left" if col in left else "right")
    return t


def registry_table() -> Table:
    reg = load_registry()
    t = Table(title="Source registry (数源清单)")
    for col in ("source", "title", "department", "library", "format", "delivery", "columns"):
        t.add_column(col)
    for s in reg.sources.values():
        fmt = s.format + (f" / {s.encoding}" if s.encoding else f" / sheet {s.sheet}")
        t.add_row(
            s.id,
            s.title,
            reg.departments[s.department].name,
            s.library,
            fmt,
            f"{s.delivery.mode}, {s.delivery.cadence}",
            str(len(s.columns)),
        )
    return t


def source_table(source_id: str) -> Table:
    reg = load_registry()
    s = reg.source(source_id)
    t = Table(title=f"{s.id} — {s.title} (key: {', '.join(s.key)}; file: {s.file})")
    for col in ("header", "name", "type", "req", "format / codes / range", "check", "authority"):
        t.add_column(col)
    for c in s.columns:
        detail = (
            c.format
            or (c.codes if isinstance(c.codes, str) else ", ".join(reg.codes(c) or []))
            or (f"{c.range[0]:g}..{c.range[1]:g}" if c.range else "")
        )
        t.add_row(c.header, c.name, c.type, "✓" if c.required else "", detail, ", ".join(c.checks), c.authority or "")
    return t


def generate_table(summary) -> Table:
    t = _per_source_table("Synthetic city written", ("source", "batches", "files", "rows"), ())
    for source_id, counts in sorted(summary.sources.items()):
        t.add_row(source_id, f"{counts.batches:,}", f"{counts.files:,}", f"{counts.rows:,}")
    t.caption = f"defects listed in {summary.truth_path}"
    return t


def results_table(results, per_batch: bool = False) -> Table:
    """Ingestion outcome per source (or per batch): what was read, written, quarantined."""
    t = _per_source_table(
        "Ingestion",
        (
            "source",
            "batch" if per_batch else "batches",
            "status",
            "rows read",
            "written",
            "quarantined",
            "files rejected",
            "s",
        ),
        ("batch", "status"),
    )
    style = {"failed": "red", "rejected": "yellow", "unchanged": "dim", "incomplete": "dim"}
    groups: dict[tuple, list] = {}
    for r in results:
        groups.setdefault((r.source_id, r.batch) if per_batch else (r.source_id,), []).append(r)
    for key, rs in groups.items():
        statuses: dict[str, int] = {}
        for r in rs:
            statuses[r.status] = statuses.get(r.status, 0) + 1
        status = ", ".join(
            f"[{style.get(k, 'green')}]{k if per_batch else f'{n} {k}'}[/]" for k, n in sorted(statuses.items())
        )
        t.add_row(
            key[0],
            key[1] if per_batch else str(len(rs)),
            status,
            f"{sum(r.rows_read for r in rs):,}",
            f"{sum(r.rows_written for r in rs):,}",
            f"{sum(r.rows_quarantined for r in rs):,}",
            str(sum(r.files_rejected for r in rs)),
            f"{sum(r.seconds for r in rs):.1f}",
        )
    return t


def print_batch_messages(console: Console, results, limit: int = 20) -> None:
    # Only batches that need a look: failures, rejections, quarantined rows.
    lines = [
        f"{r.source_id} {r.batch}: {m}"
        for r in results
        if r.status in ("failed", "rejected") or r.rows_quarantined or r.files_rejected or r.healed
        for m in r.messages
    ]
    for line in lines[:limit]:
        console.print(f"  [yellow]•[/] {escape(mask_text(line))}", highlight=False)
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
    damaged: list[str] = field(default_factory=list)  # one line per damaged partition, its rows not counted


def lake_summary(lake: Lake) -> list[SourceSummary]:
    """Per source, what the raw layer holds and what was set aside.

    Rows come from the committed partitions' manifests; rejected files also from
    the quarantine summaries, since a batch rejected whole has no partition. A partition
    whose parts no longer match its manifest (sizes, ingest/verify.py) is listed as
    damaged instead of counted.
    """
    from ingest.verify import verify_partition

    out = []
    for source_id in sorted(load_registry().sources):
        manifests, damaged = {}, []
        for d in sorted((lake.raw / source_id).glob("batch=*")):
            problems = verify_partition(d) if d.is_dir() else []
            if problems:
                damaged.append("; ".join(p.line() for p in problems))
            elif d.is_dir():
                manifests[d.name] = json.loads((d / "_manifest.json").read_text(encoding="utf-8"))["totals"]
        set_aside = {
            q.parent.name: json.loads(q.read_text(encoding="utf-8"))
            for q in (lake.quarantine / source_id).glob("batch=*/_quarantine.json")
        }
        if not manifests and not set_aside and not damaged:
            continue
        rejected_whole = sum(len(q.get("rejected", [])) for b, q in set_aside.items() if b not in manifests)
        out.append(
            SourceSummary(
                source_id=source_id,
                batches=len(manifests),
                rows=sum(t["rows_written"] for t in manifests.values()),
                quarantined_rows=sum(t["rows_quarantined"] for t in manifests.values()),
                rejected_files=sum(t["files_rejected"] for t in manifests.values()) + rejected_whole,
                last_batch=max(manifests, default="batch=-").removeprefix("batch="),
                damaged=damaged,
            )
        )
    return out


def summary_table(rows: list[SourceSummary]) -> Table:
    t = _per_source_table(
        "Raw layer", ("source", "batches", "rows", "quarantined rows", "rejected files", "last batch"), ("last batch",)
    )
    for r in rows:
        t.add_row(
            r.source_id,
            str(r.batches),
            f"{r.rows:,}",
            f"[yellow]{r.quarantined_rows:,}[/]" if r.quarantined_rows else "0",
            f"[yellow]{r.rejected_files}[/]" if r.rejected_files else "0",
            r.last_batch,
        )
    t.add_row(
        "[bold]total[/]",
        str(sum(r.batches for r in rows)),
        f"{sum(r.rows for r in rows):,}",
        f"{sum(r.quarantined_rows for r in rows):,}",
        str(sum(r.rejected_files for r in rows)),
        "",
    )
    return t
