"""The promotion gate: is every batch of the current data fit to publish?

    from quality.gate import run_gate
    result = run_gate(lake)      # GateResult; result.passed, result.reason()

Reads the current results (quality.rule_results and quality.violations hold each batch's
latest check) and decides per source and batch of the current data (every batch of an
incremental source, the latest of a full snapshot), with the thresholds of quality/gate.yaml:

    checked         rows read from the batch's files (accessibility.row_readable's count;
                    quarantined rows included)
    blocking_failed distinct rows failing at least one blocking rule
    share           blocking_failed / checked
    passed          not (share > max_blocking_share and blocking_failed >= min_failed_rows)
                    and (no file rejected whole, unless count_rejected_files is false)
                    and no blocking finding on the batch as a whole (rules on column
                    `_batch`, e.g. an empty full snapshot: completeness.snapshot_volume)

Every decision is appended to quality.gate_decisions (one gate_id per evaluation) and the
evaluation to the audit log (passed or held, with the held batches and the reason). Promotion
(publishing curated Parquet, conductor.pipeline) happens only when every batch passed; a fixed
re-delivery of a held batch is re-ingested, re-built and re-checked, which replaces its
results, and the next gate passes it.
"""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import yaml

from govlake import audit, duckdb_settings
from govlake.faults import fault_point
from govlake.lock import lake_lock
from govlake.registry import load_registry
from quality.sqlfiles import statements
from quality.store import insert_rows

CONFIG_PATH = Path(__file__).with_name("gate.yaml")

DDL = """
CREATE SCHEMA IF NOT EXISTS quality;
CREATE TABLE IF NOT EXISTS quality.gate_decisions (
    gate_id VARCHAR NOT NULL,          -- one evaluation of the gate
    decided_at TIMESTAMP NOT NULL,
    run_id VARCHAR,                    -- the quality run whose results were judged
    source_id VARCHAR NOT NULL,
    batch VARCHAR NOT NULL,
    blocking_failed BIGINT NOT NULL,   -- distinct rows failing at least one blocking rule
    checked BIGINT NOT NULL,           -- rows read from the batch's files
    share DOUBLE,                      -- blocking_failed / checked; NULL when nothing was read
    threshold DOUBLE NOT NULL,         -- max_blocking_share that applied
    min_failed_rows BIGINT NOT NULL,
    rejected_files BIGINT NOT NULL,
    passed BOOLEAN NOT NULL,
    reasons VARCHAR                    -- why it failed (source, batch, rules, share vs threshold), or notes
);
"""

# per (source, batch): rows read, distinct blocking rows, rejected files, and the failing rules
FACTS_SQL = """
WITH results AS (
    SELECT source_id, batch, max(run_id) AS run_id,
           coalesce(max(checked) FILTER (WHERE rule_id LIKE 'accessibility.row_readable.%'), 0) AS checked,
           coalesce(sum(failed) FILTER (WHERE rule_id LIKE 'accessibility.file_readable.%'), 0) AS rejected_files
    FROM quality.rule_results GROUP BY source_id, batch
),
failing AS (
    SELECT source_id, batch, count(DISTINCT (_file, _row_no)) AS blocking_failed
    FROM quality.violations WHERE severity = 'blocking' AND _row_no IS NOT NULL
    GROUP BY source_id, batch
),
rules AS (
    SELECT source_id, batch,
           list(rule_id || ' (' || failed || ')' ORDER BY failed DESC, rule_id) AS rules,
           list(rule_id ORDER BY rule_id) FILTER (WHERE rule_id LIKE '%._batch') AS batch_rules
    FROM quality.rule_results WHERE severity = 'blocking' AND failed > 0
    GROUP BY source_id, batch
),
batch_details AS (
    SELECT source_id, batch, list(DISTINCT detail ORDER BY detail) AS details
    FROM quality.violations WHERE severity = 'blocking' AND column_name = '_batch'
    GROUP BY source_id, batch
)
SELECT r.run_id, r.source_id, r.batch, coalesce(f.blocking_failed, 0), r.checked, r.rejected_files,
       coalesce(u.rules, []), coalesce(u.batch_rules, []), coalesce(d.details, [])
FROM results r LEFT JOIN failing f USING (source_id, batch) LEFT JOIN rules u USING (source_id, batch)
     LEFT JOIN batch_details d USING (source_id, batch)
ORDER BY r.source_id, r.batch
"""


@dataclass(frozen=True)
class Thresholds:
    max_blocking_share: float
    min_failed_rows: int
    count_rejected_files: bool


@dataclass
class GateConfig:
    default: Thresholds
    sources: dict[str, Thresholds] = field(default_factory=dict)

    def for_source(self, source_id: str) -> Thresholds:
        return self.sources.get(source_id, self.default)


def load_config(path: Path | str | None = None) -> GateConfig:
    doc = yaml.safe_load(Path(path or CONFIG_PATH).read_text(encoding="utf-8")) or {}
    default = _thresholds(doc.get("default") or {}, None, "default")
    sources = {sid: _thresholds(over or {}, default, sid) for sid, over in (doc.get("sources") or {}).items()}
    return GateConfig(default, sources)


def _thresholds(entry: dict, base: Thresholds | None, where: str) -> Thresholds:
    known = {"max_blocking_share", "min_failed_rows", "count_rejected_files"}
    if set(entry) - known:
        raise ValueError(f"quality/gate.yaml {where}: unknown keys {sorted(set(entry) - known)}")
    merged = {
        **(asdict(base) if base else {"max_blocking_share": 0.10, "min_failed_rows": 0, "count_rejected_files": True}),
        **entry,
    }
    share = float(merged["max_blocking_share"])
    if not 0 <= share <= 1:
        raise ValueError(f"quality/gate.yaml {where}: max_blocking_share must lie in [0, 1]")
    return Thresholds(share, int(merged["min_failed_rows"]), bool(merged["count_rejected_files"]))


@dataclass
class Decision:
    run_id: str | None
    source_id: str
    batch: str
    blocking_failed: int
    checked: int
    share: float | None
    threshold: float
    min_failed_rows: int
    rejected_files: int
    passed: bool
    reasons: str


@dataclass
class GateResult:
    gate_id: str
    decisions: list[Decision]

    @property
    def passed(self) -> bool:
        return all(d.passed for d in self.decisions)

    @property
    def failures(self) -> list[Decision]:
        return [d for d in self.decisions if not d.passed]

    def reason(self) -> str | None:
        """One line per held batch, or None when everything passed."""
        if self.passed:
            return None
        return "quality gate held promotion of curated: " + "; ".join(d.reasons for d in self.failures)

    def audit_details(self) -> dict:
        """What the audit log keeps of the decision: how many batches, which were held and why."""
        return {
            "batches": len(self.decisions),
            "held": [f"{d.source_id} {d.batch}" for d in self.failures],
            "reason": self.reason(),
        }

    def as_dict(self) -> dict:
        return {
            "gate_id": self.gate_id,
            "passed": self.passed,
            "batches": len(self.decisions),
            "decided": [{"source_id": d.source_id, "batch": d.batch} for d in self.decisions],
            "failed": [asdict(d) for d in self.failures],
            "reason": self.reason(),
        }


def decide(
    con: duckdb.DuckDBPyConnection, config: GateConfig | None = None, full_snapshots: set[str] | None = None
) -> list[Decision]:
    """Judge every (source, batch) of the current data; reads only.

    Current data: every batch of an incremental source (each adds rows), but only the latest
    batch of a full-snapshot source (`full_snapshots`, default from the registry): a later
    snapshot replaced the earlier ones, so a defect of theirs can neither reach curated any
    more nor be cured by a re-delivery — judging them would hold publication forever."""
    config = config or load_config()
    if full_snapshots is None:
        full_snapshots = {s.id for s in load_registry().sources.values() if s.delivery.mode == "full"}
    facts = con.execute(FACTS_SQL).fetchall()
    latest: dict[str, str] = {}
    for f in facts:
        latest[f[1]] = max(latest.get(f[1], f[2]), f[2])
    out = []
    for run_id, sid, batch, failed, checked, rejected, rules, batch_rules, details in facts:
        if sid in full_snapshots and batch != latest[sid]:
            continue
        t = config.for_source(sid)
        share = failed / checked if checked else None
        over = share is not None and share > t.max_blocking_share and failed >= max(t.min_failed_rows, 1)
        file_held = t.count_rejected_files and rejected > 0
        notes = []
        if batch_rules:  # the batch as a whole is unusable (e.g. an empty full snapshot): no share to weigh
            notes.append(f"{sid} batch {batch}: {', '.join(batch_rules)}: {'; '.join(details)}")
        if over:
            notes.append(
                f"{sid} batch {batch}: {failed:,} of {checked:,} rows ({share:.2%}) fail blocking rules, "
                f"over the threshold {t.max_blocking_share:.2%}; rules: "
                + ", ".join(r for r in rules if not _file_or_batch_rule(r))
            )
        if rejected:
            notes.append(
                f"{sid} batch {batch}: {rejected} file(s) rejected whole (accessibility.file_readable)"
                + ("" if file_held else ", not counted (count_rejected_files: false)")
            )
        out.append(
            Decision(
                run_id,
                sid,
                batch,
                failed,
                checked,
                share,
                t.max_blocking_share,
                t.min_failed_rows,
                rejected,
                not (over or file_held or batch_rules),
                "; ".join(notes),
            )
        )
    return out


def _file_or_batch_rule(listed: str) -> bool:
    """A rule of a held batch's list ("<rule id> (<failed>)") that is not about rows."""
    rule_id = listed.split(" ", 1)[0]
    return rule_id.startswith("accessibility.file_readable.") or rule_id.endswith("._batch")


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:

    for stmt in statements(DDL):
        con.execute(stmt)


def run_gate(lake, config: GateConfig | None = None) -> GateResult:
    """Decide on the lake's current quality results and record the decisions."""

    if not lake.warehouse.exists():
        raise FileNotFoundError(f"no warehouse at {lake.warehouse}: run `govlake run` first")
    gate_id = f"{datetime.now(UTC):%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:6]}"
    with lake_lock(lake):
        con = duckdb_settings.connect(lake, lake.warehouse)
        try:
            has_results = (
                con.execute(
                    "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'quality' "
                    "AND table_name IN ('rule_results', 'violations')"
                ).fetchall()[0][0]
                == 2
            )
            if not has_results:
                raise LookupError(f"{lake.warehouse} holds no quality results: run `govlake quality run` first")
            decisions = decide(con, config)
            ensure_schema(con)
            now = datetime.now(UTC).replace(tzinfo=None)
            fault_point("quality.before_gate_recorded")
            columns = ("gate_id", "decided_at", *Decision.__dataclass_fields__)
            con.begin()
            insert_rows(
                con, "quality.gate_decisions", columns, [(gate_id, now, *asdict(d).values()) for d in decisions]
            )
            con.commit()
        finally:
            con.close()
    result = GateResult(gate_id, decisions)
    audit.record(
        lake,
        "quality.gate",
        subject=gate_id,
        outcome="passed" if result.passed else "held",
        details=result.audit_details(),
    )
    return result


def last_result(lake) -> GateResult | None:
    """The latest recorded evaluation of the gate (quality.gate_decisions), None before the first."""
    if not lake.warehouse.exists():
        return None
    with duckdb_settings.connect(lake, lake.warehouse, read_only=True) as con:
        if not con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'quality' "
            "AND table_name = 'gate_decisions'"
        ).fetchall()[0][0]:
            return None
        rows = con.execute(
            f"SELECT gate_id, {', '.join(Decision.__dataclass_fields__)} FROM quality.gate_decisions "
            "WHERE gate_id = (SELECT arg_max(gate_id, decided_at) FROM quality.gate_decisions) "
            "ORDER BY source_id, batch"
        ).fetchall()
    if not rows:
        return None
    return GateResult(rows[0][0], [Decision(*r[1:]) for r in rows])
