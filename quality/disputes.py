"""数据异议 — disputes of golden values (docs/one-source.md#disputes, 一数一源 point 4).

A user or department disputes the golden value of one attribute of one entity. The ticket
is routed to the attribute's authoritative department (the registry's `authority`, the
same facts as dbt's seeds/source_register.csv) and moves through

    待核实 pending    --assign-->   核实中 verifying   --reject--> 驳回 rejected
        |                              |
        +------- 回流: a later batch of the authoritative source changes the value ----> 已更正 corrected

    from quality.disputes import file_dispute, assign, reject, close_corrected
    t = file_dispute(lake, "37...", "population.name", "张三", by="窗口-李")
    assign(lake, t.ticket_id, to="公安-王"); reject(lake, t.ticket_id, reason="…", by="公安-王")
    close_corrected(lake)      # after every dbt build: closes what a new batch corrected

Storage, in the warehouse schema `quality` (nothing is updated or deleted):

    quality.dispute_tickets  one row per ticket, written once at filing: entity, attribute,
                             claimed value, routing, and the golden value, source and batch
                             the record held at filing
    quality.dispute_events   append-only: ticket_id, step (1, 2, …), status_from, status_to,
                             by, at (UTC), note, assignee, and the golden value, source and
                             batch at that step
    quality.disputes         view: each ticket with its current status (its latest event)

Writers hold the lake lock (govlake.lock.lake_lock on <lake>/dbt/.lock), the lock
dbt builds hold too, so a ticket is never written while dbt has the warehouse open. Every
step, taken or refused, is also appended to the audit log (govlake.audit) with who took it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime

import duckdb

from govlake import audit, duckdb_settings
from govlake.lock import lake_lock
from govlake.registry import Registry, load_registry
from govlake.settings import Lake

PENDING, VERIFYING, CORRECTED, REJECTED = "待核实", "核实中", "已更正", "驳回"
STATUSES = {PENDING: "pending", VERIFYING: "verifying", CORRECTED: "corrected", REJECTED: "rejected"}
OPEN = (PENDING, VERIFYING)
# action -> {status it may start from: status it leads to}
TRANSITIONS = {
    "assign": {PENDING: VERIFYING, VERIFYING: VERIFYING},  # from 核实中: re-assignment
    "reject": {PENDING: REJECTED, VERIFYING: REJECTED},
    "correct": {PENDING: CORRECTED, VERIFYING: CORRECTED},  # by the system only (回流)
}
SYSTEM = "system"


@dataclass(frozen=True)
class GoldenTable:
    table: str
    key: str
    library_zh: str


# library -> its golden-record table (dbt_project/README.md, 一数一源)
GOLDEN = {
    "population": GoldenTable("base.base_population__person", "person_id", "人口库"),
    "legal_entity": GoldenTable("base.base_legal_entity__enterprise", "enterprise_id", "法人单位库"),
}


class DisputeError(ValueError):
    """A dispute command cannot be done; the message says what was wrong."""


@dataclass(frozen=True)
class Target:
    """Where a disputed attribute lives and who answers for it."""

    attribute: str  # library.attribute, e.g. population.name
    library: str
    column: str  # the golden table's column
    table: str
    key: str
    source_id: str  # the authoritative source
    source_column: str
    department: str  # its department's code
    department_name: str


@dataclass
class Event:
    ticket_id: str
    step: int
    status_from: str | None
    status_to: str
    by: str
    at: datetime
    note: str | None = None
    assignee: str | None = None
    golden_value: str | None = None
    golden_source: str | None = None
    golden_batch: str | None = None


@dataclass
class Ticket:
    ticket_id: str
    entity_id: str
    attribute: str
    library: str
    golden_table: str
    key_column: str
    claimed_value: str
    note: str | None
    filed_by: str
    filed_at: datetime
    department: str
    department_name: str
    source_id: str
    source_column: str
    filed_value: str | None
    filed_source: str | None
    filed_batch: str | None
    status: str
    status_at: datetime
    assignee: str | None = None
    events: list[Event] = field(default_factory=list)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN


@dataclass(frozen=True)
class Closed:
    """A ticket 回流 closed: a later batch of the authoritative source changed the value."""

    ticket_id: str
    entity_id: str
    attribute: str
    filed_value: str | None
    new_value: str | None
    new_batch: str
    matches_claim: bool


def status_label(status: str) -> str:
    return f"{status} {STATUSES.get(status, '')}".strip()


def parse_status(text: str) -> str:
    """A status given in Chinese or English (pending, verifying, corrected, rejected)."""
    t = text.strip()
    for zh, en in STATUSES.items():
        if t in (zh, en) or t.lower() == en:
            return zh
    raise DisputeError(f"unknown status {text!r}; one of " + ", ".join(status_label(s) for s in STATUSES))


def next_status(action: str, current: str, ticket_id: str = "") -> str:
    """The status `action` leads to from `current`; DisputeError when not allowed."""
    allowed = TRANSITIONS[action]
    if current not in allowed:
        starts = " or ".join(status_label(s) for s in allowed)
        raise DisputeError(
            f"ticket {ticket_id} is {status_label(current)}: {action} is allowed only from {starts}".replace(
                "ticket  ", "ticket "
            )
        )
    return allowed[current]


def disputable(registry: Registry | None = None) -> dict[str, tuple[str, str]]:
    """library.attribute -> (source id, column) for every attribute with a golden table."""
    reg = registry or load_registry()
    return {a: sc for a, sc in sorted(reg.authorities().items()) if a.split(".", 1)[0] in GOLDEN}


def resolve_attribute(attribute: str, registry: Registry | None = None) -> Target:
    """Routing of library.attribute: golden table and column, authoritative source and department."""
    reg = registry or load_registry()
    known = disputable(reg)
    attr = attribute.strip()
    if attr not in known:
        raise DisputeError(f"unknown attribute {attribute!r}: give library.attribute, one of {', '.join(known)}")
    library, column = attr.split(".", 1)
    source_id, source_column = known[attr]
    dept = reg.departments[reg.source(source_id).department]
    gt = GOLDEN[library]
    return Target(attr, library, column, gt.table, gt.key, source_id, source_column, dept.code, dept.name)


DDL = [
    "CREATE SCHEMA IF NOT EXISTS quality",
    """CREATE TABLE IF NOT EXISTS quality.dispute_tickets (
        ticket_id VARCHAR PRIMARY KEY,
        entity_id VARCHAR NOT NULL,       -- person_id / enterprise_id
        attribute VARCHAR NOT NULL,       -- library.attribute
        library VARCHAR NOT NULL,
        golden_table VARCHAR NOT NULL,
        key_column VARCHAR NOT NULL,
        claimed_value VARCHAR NOT NULL,   -- what the filer says the value should be
        note VARCHAR,
        filed_by VARCHAR NOT NULL,
        filed_at TIMESTAMP NOT NULL,      -- UTC
        department VARCHAR NOT NULL,      -- authoritative department (code) the ticket is routed to
        department_name VARCHAR NOT NULL,
        source_id VARCHAR NOT NULL,       -- authoritative source of the attribute
        source_column VARCHAR NOT NULL,
        filed_value VARCHAR,              -- golden value at filing (as text)
        filed_source VARCHAR,             -- its <attr>__source
        filed_batch VARCHAR               -- its <attr>__batch
    )""",
    """CREATE TABLE IF NOT EXISTS quality.dispute_events (
        ticket_id VARCHAR NOT NULL,
        step INTEGER NOT NULL,            -- 1 = filing
        status_from VARCHAR,              -- NULL at filing
        status_to VARCHAR NOT NULL,
        "by" VARCHAR NOT NULL,            -- who took the step ('system' for 回流)
        "at" TIMESTAMP NOT NULL,          -- UTC
        note VARCHAR,
        assignee VARCHAR,                 -- set by an assign step
        golden_value VARCHAR,             -- the golden record at this step
        golden_source VARCHAR,
        golden_batch VARCHAR,
        PRIMARY KEY (ticket_id, step)
    )""",
    f"""CREATE OR REPLACE VIEW quality.disputes AS
    WITH latest AS (
        SELECT * FROM quality.dispute_events
        QUALIFY row_number() OVER (PARTITION BY ticket_id ORDER BY step DESC) = 1
    ), assigned AS (
        SELECT ticket_id, assignee FROM quality.dispute_events WHERE assignee IS NOT NULL
        QUALIFY row_number() OVER (PARTITION BY ticket_id ORDER BY step DESC) = 1
    )
    SELECT t.*, l.status_to AS status, l."at" AS status_at, l."by" AS status_by, a.assignee,
           l.status_to IN ('{PENDING}', '{VERIFYING}') AS is_open
    FROM quality.dispute_tickets t
    JOIN latest l USING (ticket_id)
    LEFT JOIN assigned a USING (ticket_id)""",
]

TICKET_COLUMNS = (
    "ticket_id",
    "entity_id",
    "attribute",
    "library",
    "golden_table",
    "key_column",
    "claimed_value",
    "note",
    "filed_by",
    "filed_at",
    "department",
    "department_name",
    "source_id",
    "source_column",
    "filed_value",
    "filed_source",
    "filed_batch",
)
EVENT_COLUMNS = (
    "ticket_id",
    "step",
    "status_from",
    "status_to",
    "by",
    "at",
    "note",
    "assignee",
    "golden_value",
    "golden_source",
    "golden_batch",
)


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    for stmt in DDL:
        con.execute(stmt)


@contextmanager
def _warehouse(lake: Lake, write: bool) -> Iterator[duckdb.DuckDBPyConnection]:
    """The warehouse under the lake lock (one writer at a time, dbt included)."""

    if not lake.warehouse.exists():
        raise DisputeError(f"no warehouse at {lake.warehouse}: build it first (govlake run)")
    with lake_lock(lake):
        con = duckdb_settings.connect(lake, lake.warehouse)
        try:
            if write:
                ensure_schema(con)
            yield con
        finally:
            con.close()


def _has_tables(con: duckdb.DuckDBPyConnection) -> bool:
    return bool(
        con.execute(
            "SELECT 1 FROM information_schema.tables WHERE table_schema = 'quality' AND table_name = 'dispute_events'"
        ).fetchall()
    )


def _golden(con, target: Target, entity_id: str) -> tuple[str | None, str | None, str | None] | None:
    """(value as text, __source, __batch) of the entity's golden attribute; None if no such entity."""
    schema, table = target.table.split(".")
    cols = {
        r[0]
        for r in con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = ? AND table_name = ?",
            [schema, table],
        ).fetchall()
    }
    if not cols:
        raise DisputeError(f"{target.table} is not in the warehouse: build it first (govlake run)")
    c = target.column
    if not {c, f"{c}__source", f"{c}__batch"} <= cols:
        raise DisputeError(
            f"{target.attribute} has no golden column {c} (with {c}__source, {c}__batch) in {target.table}"
        )
    rows = con.execute(
        f'SELECT CAST("{c}" AS VARCHAR), "{c}__source", "{c}__batch" FROM {target.table} WHERE "{target.key}" = ?',
        [entity_id],
    ).fetchall()
    return rows[0] if rows else None


def _insert(con, table: str, columns: tuple[str, ...], row: tuple) -> None:
    cols = ", ".join(f'"{c}"' for c in columns)
    con.execute(f"INSERT INTO {table} ({cols}) VALUES ({', '.join('?' * len(columns))})", list(row))


def _required(name: str, value: str | None) -> str:
    if value is None or not str(value).strip():
        raise DisputeError(f"{name} must not be empty")
    return str(value).strip()


def file_dispute(
    lake: Lake,
    entity: str,
    attribute: str,
    claimed_value: str,
    by: str,
    note: str | None = None,
    registry: Registry | None = None,
) -> Ticket:
    """File a ticket (待核实) on the golden value of `attribute` of `entity`; returns it.
    Filed or refused, the audit log records it (not the claimed value: the ticket holds that)."""
    facts = {"entity": entity, "attribute": attribute, "note": note}
    with audit.recorded(lake, "dispute.file", subject=attribute, actor=by, details=facts, refused=(DisputeError,)) as e:
        ticket = _file(lake, entity, attribute, claimed_value, by, note, registry)
        e.subject, e.details["department"] = ticket.ticket_id, ticket.department
    return ticket


def _file(
    lake: Lake, entity: str, attribute: str, claimed_value: str, by: str, note: str | None, registry: Registry | None
) -> Ticket:
    target = resolve_attribute(attribute, registry)
    entity_id = _required("entity", entity).upper()  # ID numbers and USCCs are upper case (x → X)
    claimed = _required("claimed value", claimed_value)
    by = _required("by", by)
    with _warehouse(lake, write=True) as con:
        golden = _golden(con, target, entity_id)
        if golden is None:
            raise DisputeError(
                f"unknown entity {entity_id!r}: no {target.key} {entity_id} in {target.table} "
                f"(library {target.library})"
            )
        value, source, batch = golden
        if value == claimed:
            raise DisputeError(f"{target.attribute} of {entity_id} already is {claimed!r}: nothing to dispute")
        n = con.execute("SELECT count(*) FROM quality.dispute_tickets").fetchall()[0][0]
        ticket_id = f"DSP-{n + 1:05d}"
        at = _now()
        con.execute("BEGIN")
        try:
            _insert(
                con,
                "quality.dispute_tickets",
                TICKET_COLUMNS,
                (
                    ticket_id,
                    entity_id,
                    target.attribute,
                    target.library,
                    target.table,
                    target.key,
                    claimed,
                    note,
                    by,
                    at,
                    target.department,
                    target.department_name,
                    target.source_id,
                    target.source_column,
                    value,
                    source,
                    batch,
                ),
            )
            _insert(
                con,
                "quality.dispute_events",
                EVENT_COLUMNS,
                (
                    ticket_id,
                    1,
                    None,
                    PENDING,
                    by,
                    at,
                    f"claimed value: {claimed}" + (f"; {note}" if note else ""),
                    None,
                    value,
                    source,
                    batch,
                ),
            )
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise
        return _load(con, ticket_id)


def _load(con, ticket_id: str) -> Ticket:
    cur = con.execute("SELECT * FROM quality.disputes WHERE ticket_id = ?", [ticket_id])
    names = [d[0] for d in cur.description]
    rows = cur.fetchall()
    if not rows:
        raise DisputeError(f"unknown ticket {ticket_id!r}")
    d = dict(zip(names, rows[0]))
    ticket = Ticket(**{k: d[k] for k in Ticket.__dataclass_fields__ if k in d and k != "events"})
    cols = ", ".join(f'"{c}"' for c in EVENT_COLUMNS)
    ticket.events = [
        Event(*r)
        for r in con.execute(
            f"SELECT {cols} FROM quality.dispute_events WHERE ticket_id = ? ORDER BY step", [ticket_id]
        ).fetchall()
    ]
    return ticket


def _step(
    lake: Lake,
    ticket_id: str,
    action: str,
    by: str,
    note: str | None,
    assignee: str | None = None,
    registry: Registry | None = None,
) -> Ticket:
    facts = {"note": note, "assignee": assignee}
    with audit.recorded(
        lake, f"dispute.{action}", subject=ticket_id, actor=by, details=facts, refused=(DisputeError,)
    ) as e:
        ticket = _take_step(lake, ticket_id, action, by, note, assignee, registry)
        e.details["status"] = ticket.status
    return ticket


def _take_step(
    lake: Lake, ticket_id: str, action: str, by: str, note: str | None, assignee: str | None, registry: Registry | None
) -> Ticket:
    by = _required("by", by)
    with _warehouse(lake, write=True) as con:
        ticket = _load(con, ticket_id.strip())
        status_to = next_status(action, ticket.status, ticket.ticket_id)
        golden = _golden(con, resolve_attribute(ticket.attribute, registry), ticket.entity_id) or (None, None, None)
        _insert(
            con,
            "quality.dispute_events",
            EVENT_COLUMNS,
            (
                ticket.ticket_id,
                ticket.events[-1].step + 1,
                ticket.status,
                status_to,
                by,
                _now(),
                note,
                assignee,
                *golden,
            ),
        )
        return _load(con, ticket.ticket_id)


def assign(lake: Lake, ticket_id: str, to: str, by: str | None = None, note: str | None = None) -> Ticket:
    """待核实 → 核实中 (or re-assign a ticket 核实中): `to` verifies it."""
    to = _required("assignee (--to)", to)
    return _step(lake, ticket_id, "assign", by or to, note or f"assigned to {to}", assignee=to)


def reject(lake: Lake, ticket_id: str, reason: str, by: str) -> Ticket:
    """待核实 / 核实中 → 驳回: the authoritative value stands; `reason` says why."""
    return _step(lake, ticket_id, "reject", by, _required("reason", reason))


def get_ticket(lake: Lake, ticket_id: str) -> Ticket:
    """One ticket with its whole history (events in order)."""
    with _warehouse(lake, write=False) as con:
        if not _has_tables(con):
            raise DisputeError(f"unknown ticket {ticket_id!r} (no dispute has been filed yet)")
        return _load(con, ticket_id.strip())


def list_tickets(lake: Lake, status: str | None = None, department: str | None = None) -> list[Ticket]:
    """Tickets (without events), oldest first; `status` in Chinese or English, `department`
    a code (gaj) or part of its name (公安)."""
    wanted = parse_status(status) if status else None
    with _warehouse(lake, write=False) as con:
        if not _has_tables(con):
            return []
        sql, params = "SELECT ticket_id FROM quality.disputes WHERE true", []
        if wanted:
            sql += " AND status = ?"
            params.append(wanted)
        if department:
            sql += " AND (department = ? OR contains(department_name, ?))"
            params += [department.strip(), department.strip()]
        ids = [r[0] for r in con.execute(sql + " ORDER BY filed_at, ticket_id", params).fetchall()]
        return [_load(con, i) for i in ids]


def close_corrected(lake: Lake, registry: Registry | None = None) -> list[Closed]:
    """回流: close as 已更正 every open ticket whose golden value now comes from a later batch of
    the authoritative source and differs from the value recorded at filing. Call after each
    successful dbt build; returns the tickets it closed. A later batch repeating the filed
    value closes nothing."""
    if not lake.warehouse.exists():
        return []
    closed: list[Closed] = []
    with _warehouse(lake, write=True) as con:
        open_attrs = [
            r[0]
            for r in con.execute("SELECT DISTINCT attribute FROM quality.disputes WHERE is_open ORDER BY 1").fetchall()
        ]
        found = []
        for attribute in open_attrs:
            target = resolve_attribute(attribute, registry)
            c = target.column
            found += con.execute(
                f"""
                SELECT d.ticket_id, d.entity_id, d.attribute, d.filed_value, d.claimed_value, d.status,
                       CAST(g."{c}" AS VARCHAR), g."{c}__source", g."{c}__batch",
                       (SELECT max(step) FROM quality.dispute_events e WHERE e.ticket_id = d.ticket_id)
                FROM quality.disputes d
                JOIN {target.table} g ON g."{target.key}" = d.entity_id
                WHERE d.is_open AND d.attribute = ?
                  AND g."{c}__source" = d.source_id
                  AND (d.filed_batch IS NULL OR g."{c}__batch" > d.filed_batch)
                  AND CAST(g."{c}" AS VARCHAR) IS DISTINCT FROM d.filed_value
                ORDER BY d.ticket_id""",
                [attribute],
            ).fetchall()
        if not found:
            return []
        at = _now()
        con.execute("BEGIN")
        try:
            for tid, entity, attribute, filed, claimed, status, value, source, batch, step in found:
                matches = value == claimed
                note = f"回流: {source} batch {batch} changed the value" + (
                    " to the claimed value" if matches else " (not to the claimed value)"
                )
                _insert(
                    con,
                    "quality.dispute_events",
                    EVENT_COLUMNS,
                    (
                        tid,
                        step + 1,
                        status,
                        next_status("correct", status, tid),
                        SYSTEM,
                        at,
                        note,
                        None,
                        value,
                        source,
                        batch,
                    ),
                )
                closed.append(Closed(tid, entity, attribute, filed, value, batch, matches))
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise
    for c in closed:  # 回流, by the system: one audit record per ticket it closed (no values: the ticket has them)
        facts = {"entity": c.entity_id, "attribute": c.attribute, "batch": c.new_batch, "as_claimed": c.matches_claim}
        audit.record(lake, "dispute.correct", subject=c.ticket_id, outcome="ok", actor=SYSTEM, details=facts)
    return closed
