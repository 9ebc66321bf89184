"""What the steward report shows, read from the warehouse in one go.

    from quality.report.data import collect
    data = collect(lake, load_config())        # ReportData: the page's and the workbooks' rows

The queries are the .sql files beside this module (quality/report/sql/), Jinja templates
rendered with two facts from the registry: which department each source belongs to (a
relation registered on the connection) and which columns are personal (quality/masking.py),
so every value that leaves the warehouse here is masked in SQL by the masking macros of
quality/sql/masking.sql. Scores come from quality.scores' own functions (current_scores).

Every department of the registry gets a card, also one with no finding or no delivery. The
warehouse is read under the lake lock (one writer at a time: dbt, quality runs, disputes)
through a read-only connection.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import jinja2
import pyarrow as pa

from govlake import duckdb_settings
from govlake.lock import lake_lock
from govlake.registry import Registry, load_registry
from govlake.settings import Lake
from quality.dimensions import DIMENSIONS
from quality.masking import MACROS, mask_kind
from quality.sqlfiles import install_macros

SQL_DIR = Path(__file__).parent / "sql"
SOURCES = "_report_sources"  # the relation (source_id, department, source_title) the SQL joins
OPEN = ["new", "open"]  # the statuses of an open finding (quality/findings.py)

_env = jinja2.Environment(loader=jinja2.FileSystemLoader(SQL_DIR), undefined=jinja2.StrictUndefined)


class ReportError(RuntimeError):
    """The report cannot be made; the message says what to run first."""


@dataclass
class DepartmentCard:
    code: str
    name: str
    sources: list[str]
    scores: dict[str, float | None]  # dimension -> 0-100 over its current data; None: nothing checked
    overall: float | None
    checked: int
    failed: int
    violations: int  # open findings (quality/findings.py)
    blocking: int
    batches: int  # batches of the current data
    latest_batch: str | None
    conflicts: int
    disputes: int
    open_disputes: int
    rejected_share: float = 0.0  # 0-1 of the bytes its current batches delivered that were rejected whole
    new_findings: int = 0  # of the open findings, new since the batch before
    resolved_findings: int = 0  # open after the batch before, not any more
    history: int = 0  # every batch's findings (quality.violations)
    history_batches: int = 0  # the sources' batches with findings (rows of the 历史 sheet)


@dataclass
class DepartmentRows:
    """A department's workbook: its findings, each list capped at the configured rows."""

    rules: list[dict]
    violations: list[dict]  # open findings
    conflicts: list[dict]
    disputes: list[dict]
    resolved: list[dict] = field(default_factory=list)  # resolved since the batch before
    history: list[dict] = field(default_factory=list)  # per source and batch: its findings
    rules_by_share: list[dict] = field(default_factory=list)  # its rules by share of rows affected


@dataclass
class ReportData:
    generated_at: datetime
    lake: Lake
    run: dict | None
    dimensions: list[dict]  # dimension, dimension_zh, weight
    departments: list[DepartmentCard]
    sources: list[dict]  # current scores per source
    trend: list[dict]
    worst_rules: list[dict]
    violations: list[dict]  # a sample per department
    conflict_summary: list[dict]
    conflicts: list[dict]  # a sample per department
    disputes: list[dict]
    gate: list[dict]  # the latest gate's decisions, held first
    history: list[dict]  # per department and batch: findings, blocking, score
    has_conflicts: bool
    has_disputes: bool
    limits: dict
    rows: dict[str, DepartmentRows] = field(default_factory=dict)  # department code -> workbook rows
    # per department: its work orders' open, overdue, answered and fixed items, and its rank
    # (绩效评价); filled when the orders are issued (work_order_rows), in rank order
    work_orders: list[dict] = field(default_factory=list)

    @property
    def held(self) -> list[dict]:
        return [g for g in self.gate if not g["passed"]]


def masks(registry: Registry) -> dict:
    """value_masks and key_masks for quality/report/sql/_masks.sql, from quality/masking.py."""
    value_masks, key_masks = [], []
    for source in sorted(registry.sources.values(), key=lambda s: s.id):
        by_name = {c.name: c for c in source.columns}
        for column in source.columns:
            kind = mask_kind(source, column)
            if kind:
                value_masks.append({"source": source.id, "column": column.name, "macro": MACROS[kind]})
        key = [mask_kind(source, by_name[k]) for k in source.key]
        if any(key):
            key_masks.append({"source": source.id, "macros": [MACROS[k] if k else None for k in key]})
    return {"value_masks": value_masks, "key_masks": key_masks}


def difference(positions: list[int] | None, length: int | None) -> str:
    """Where two values differ, without them: one mark per character, ● where they differ
    (○●○ (2): the second of three characters), so two masked names that read alike are told apart."""
    if not length:
        return ""
    marks = "".join("●" if i in (positions or []) else "○" for i in range(1, length + 1))
    return f"{marks} ({', '.join(str(p) for p in positions)})" if positions else marks


def _with_difference(rows: list[dict]) -> list[dict]:
    for r in rows:
        r["difference"] = difference(r.pop("differs_at", None), r.pop("compared_length", None))
    return rows


def render(name: str, registry: Registry, **context) -> str:
    return _env.get_template(name).render(sources=SOURCES, **masks(registry), **context)


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: dict | None = None) -> list[dict]:
    cur = con.execute(sql, params or {})
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r)) for r in cur.fetchall()]


def _has(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    return bool(
        con.execute(
            "SELECT 1 FROM information_schema.tables WHERE table_schema = ? AND table_name = ?", [schema, table]
        ).fetchall()
    )


def _register_sources(con: duckdb.DuckDBPyConnection, registry: Registry) -> None:
    sources = sorted(registry.sources.values(), key=lambda s: s.id)
    con.register(
        SOURCES,
        pa.table(
            {
                "source_id": [s.id for s in sources],
                "department": [s.department for s in sources],
                "source_title": [s.title for s in sources],
            }
        ),
    )


def work_order_rows(con: duckdb.DuckDBPyConnection, registry: Registry, on: date) -> list[dict]:
    """Per department: its work orders' items open, overdue on `on`, answered and fixed by a
    later delivery, its open blocking findings and its rank (sql/work_orders.sql), in rank order.
    Reads quality.findings and the work-order tables on `con` (which may hold them uncommitted)."""
    _register_sources(con, registry)
    rows = _rows(con, render("work_orders.sql", registry), {"today": on})
    for r in rows:
        r["name"] = registry.departments[r["department"]].name
    return rows


def _dimensions(con: duckdb.DuckDBPyConnection) -> list[dict]:
    order = list(DIMENSIONS)
    rows = _rows(con, "SELECT dimension, dimension_zh, weight FROM quality.dimensions")
    return sorted(
        rows, key=lambda r: (order.index(r["dimension"]) if r["dimension"] in order else len(order), r["dimension"])
    )


def collect(lake: Lake, config: dict, registry: Registry | None = None) -> ReportData:
    """Everything the page and the department workbooks show. ReportError when the warehouse
    has no quality results yet."""

    registry = registry or load_registry()
    if not lake.warehouse.exists():
        raise ReportError(f"no warehouse at {lake.warehouse}: build it first (govlake run)")
    with lake_lock(lake):
        con = duckdb_settings.connect(lake, lake.warehouse, read_only=True)
        try:
            if not _has(con, "quality", "rule_results"):
                raise ReportError("no quality results in the warehouse: run `govlake quality run` first")
            return _collect(con, lake, config, registry)
        finally:
            con.close()


def _collect(con: duckdb.DuckDBPyConnection, lake: Lake, config: dict, registry: Registry) -> ReportData:
    from quality.findings import current_results, has_findings
    from quality.scores import OVERALL, current_scores

    if not has_findings(con):
        raise ReportError("no open findings in the warehouse yet: run `govlake quality run` first")
    install_macros(con, registry)
    _register_sources(con, registry)
    page, cap = config["page"], config["workbook"]["max_rows"]
    # open conflicts are those with an open finding behind one of their observations
    has_conflicts = _has(con, "base", "base_conflicts__conflict") and _has(con, "base", "base_conflicts__observation")
    has_disputes = _has(con, "quality", "disputes")

    scores = current_scores(con, registry)
    current = current_results(con, registry)  # the open-findings scope's rule results

    def q(name: str, one_department: bool = False, order: str = "failed", **params) -> list[dict]:
        sql = render(
            name,
            registry,
            one_department=one_department,
            has_conflicts=has_conflicts,
            has_disputes=has_disputes,
            current=current,
            order=order,
        )
        return _rows(con, sql, params)

    dims: dict[tuple, dict] = {}
    for s in scores:
        dims.setdefault((s.level, s.source_id or s.department), {})[s.dimension] = s
    counts = {r["department"]: r for r in q("counts.sql")}
    runs = q("runs.sql") if _has(con, "quality", "runs") else []

    cards = []
    for code, dept in sorted(registry.departments.items()):
        mine = dims.get(("department", code), {})
        overall = mine.get(OVERALL)
        c = counts.get(code, {})
        cards.append(
            DepartmentCard(
                code=code,
                name=dept.name,
                sources=sorted(s.id for s in registry.sources.values() if s.department == code),
                scores={d: (mine[d].score if d in mine else None) for d in DIMENSIONS},
                overall=overall.score if overall else None,
                checked=overall.checked if overall else 0,
                failed=overall.failed if overall else 0,
                violations=c.get("violations", 0),
                blocking=c.get("blocking", 0),
                batches=c.get("batches", 0),
                latest_batch=c.get("latest_batch"),
                conflicts=c.get("conflicts", 0),
                disputes=c.get("disputes", 0),
                open_disputes=c.get("open_disputes", 0),
                rejected_share=overall.rejected_share if overall else 0.0,
                new_findings=c.get("new_findings", 0),
                resolved_findings=c.get("resolved_findings", 0),
                history=c.get("history", 0),
                history_batches=c.get("history_batches", 0),
            )
        )

    sources = []
    for source in sorted(registry.sources.values(), key=lambda s: s.id):
        mine = dims.get(("source", source.id), {})
        overall = mine.get(OVERALL)
        sources.append(
            {
                "source_id": source.id,
                "title": source.title,
                "department": source.department,
                "batch": overall.batch if overall else None,
                "scores": {d: (mine[d].score if d in mine else None) for d in DIMENSIONS},
                "overall": overall.score if overall else None,
                "checked": overall.checked if overall else 0,
                "failed": overall.failed if overall else 0,
                "rejected_share": overall.rejected_share if overall else 0.0,
            }
        )

    data = ReportData(
        generated_at=datetime.now(UTC).replace(tzinfo=None),
        lake=lake,
        run=runs[0] if runs else None,
        dimensions=_dimensions(con),
        departments=cards,
        sources=sources,
        trend=q("trend.sql") if _has(con, "quality", "scores") else [],
        worst_rules=q("worst_rules.sql", limit=page["worst_rules"]),
        violations=q("violations.sql", limit=page["violations_per_department"], statuses=OPEN),
        conflict_summary=q("conflict_summary.sql") if has_conflicts else [],
        conflicts=_with_difference(q("conflicts.sql", limit=page["conflicts_per_department"])) if has_conflicts else [],
        disputes=q("disputes.sql", limit=page["disputes"]) if has_disputes else [],
        gate=q("gate.sql") if _has(con, "quality", "gate_decisions") else [],
        history=q("history.sql") if _has(con, "quality", "scores") else [],
        has_conflicts=has_conflicts,
        has_disputes=has_disputes,
        limits={"workbook_rows": cap, **page},
    )
    for card in cards:
        one = {"one_department": True, "department": card.code}
        data.rows[card.code] = DepartmentRows(
            rules=q("worst_rules.sql", **one, limit=cap),
            rules_by_share=q("worst_rules.sql", **one, order="share", limit=page["priorities"]),
            violations=q("violations.sql", **one, limit=cap, statuses=OPEN),
            resolved=q("violations.sql", **one, limit=cap, statuses=["resolved"]),
            history=q("history.sql", **one, limit=cap),
            conflicts=_with_difference(q("conflicts.sql", **one, limit=cap)) if has_conflicts else [],
            disputes=q("disputes.sql", **one, limit=cap) if has_disputes else [],
        )
    return data
