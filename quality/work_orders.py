"""Work orders (整改工单): each department workbook of the steward report is one.

    from quality.work_orders import load_config, issue_orders
    config = load_config()                                  # quality/work_orders.yaml, checked
    orders = issue_orders(con, listed, config, run_id)      # department -> Order, not committed

An order lists the open findings its workbook's 违规明细 sheet lists, each with a due date
(issued day + the severity's due days; a finding an earlier order listed keeps its first due
date) and the department as owner. Its checksum, sha256 over the sorted finding ids, lets
the import of the returned workbook (quality/feedback.py) tell the list it sent from an edited
one. Tables (quality/sql/work_orders.sql): quality.work_orders, quality.work_order_items,
quality.work_order_feedback. Whether an item is fixed or overdue is computed, never stored:
fixed when its finding is no longer open in quality.findings (a later delivery corrected it),
overdue when still open after its due date (quality/report/sql/work_orders.sql).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb
import pyarrow as pa
import yaml

from govlake.settings import today
from quality.dimensions import SEVERITIES
from quality.sqlfiles import statements

CONFIG_PATH = Path(__file__).with_name("work_orders.yaml")
DDL_PATH = Path(__file__).parent / "sql" / "work_orders.sql"
LIMITS = ("max_file_bytes", "max_member_bytes", "max_total_bytes", "max_compression_ratio")


class WorkOrderConfigError(ValueError):
    """quality/work_orders.yaml is wrong; the message names the key."""


@dataclass(frozen=True)
class Status:
    zh: str
    en: str

    @property
    def label(self) -> str:
        return f"{self.zh} {self.en}"


@dataclass(frozen=True)
class Config:
    due_days: dict[str, int]
    statuses: tuple[Status, ...]
    default_owner: str
    limits: dict[str, int]

    def owner(self, code: str, name: str) -> str:
        return self.default_owner.format(code=code, name=name)

    def parse_status(self, text: str) -> str | None:
        """The configured Chinese status `text` names (Chinese or English), else None."""
        t = text.strip()
        for s in self.statuses:
            if t == s.zh or t.lower() == s.en.lower():
                return s.zh
        return None


@dataclass
class Order:
    work_order_id: str
    department: str
    issued_on: date
    checksum: str
    owner: str
    due: dict[str, date] = field(default_factory=dict)  # finding id -> due date


def _fail(path: Path, key: str, problem: str) -> WorkOrderConfigError:
    return WorkOrderConfigError(f"{path}: {key}: {problem}")


def _positive(path: Path, key: str, value) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise _fail(path, key, f"must be a whole number of at least 1, got {value!r}")
    return value


def load_config(path: Path = CONFIG_PATH) -> Config:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(raw, dict):
        raise _fail(path, "(top)", "must be a mapping of due_days, statuses, default_owner, import_limits")
    due = raw.get("due_days")
    if not isinstance(due, dict):
        raise _fail(path, "due_days", "must map each severity to days")
    unknown = sorted(set(due) - set(SEVERITIES))
    if unknown:
        raise _fail(path, f"due_days.{unknown[0]}", f"unknown severity; the severities are {', '.join(SEVERITIES)}")
    missing = [s for s in SEVERITIES if s not in due]
    if missing:
        raise _fail(path, f"due_days.{missing[0]}", "missing: every severity needs its due days")
    statuses = raw.get("statuses")
    if not isinstance(statuses, list) or not statuses:
        raise _fail(path, "statuses", "must be a list of {zh, en}")
    parsed = []
    for i, s in enumerate(statuses):
        if not isinstance(s, dict) or not all(isinstance(s.get(k), str) and s[k].strip() for k in ("zh", "en")):
            raise _fail(path, f"statuses[{i}]", f"must have a non-empty zh and en, got {s!r}")
        parsed.append(Status(s["zh"].strip(), s["en"].strip()))
    names = [n for s in parsed for n in (s.zh, s.en.lower())]
    if len(set(names)) != len(names):
        raise _fail(path, "statuses", "each zh and en name must be used once")
    owner = raw.get("default_owner")
    try:
        if not isinstance(owner, str) or not owner.format(code="c", name="n").strip():
            raise _fail(path, "default_owner", f"must be a non-empty text, got {owner!r}")
    except (KeyError, IndexError, ValueError) as e:
        raise _fail(path, "default_owner", f"may use only {{name}} and {{code}}: {e}") from None
    limits = raw.get("import_limits")
    if not isinstance(limits, dict):
        raise _fail(path, "import_limits", f"must map {', '.join(LIMITS)}")
    return Config(
        due_days={s: _positive(path, f"due_days.{s}", due[s]) for s in SEVERITIES},
        statuses=tuple(parsed),
        default_owner=owner,
        limits={k: _positive(path, f"import_limits.{k}", limits.get(k)) for k in LIMITS},
    )


def checksum(finding_ids) -> str:
    """sha256 over the sorted finding ids, one a line: what the order listed."""
    return hashlib.sha256("\n".join(sorted(finding_ids)).encode("utf-8")).hexdigest()


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    for stmt in statements(DDL_PATH.read_text(encoding="utf-8")):
        con.execute(stmt)


def new_id(department: str, on: date) -> str:
    # random, so a workbook of another lake never names an order of this one
    return f"WO-{department}-{on:%Y%m%d}-{secrets.token_hex(4)}"


def issue_orders(
    con: duckdb.DuckDBPyConnection,
    listed: dict[str, list[dict]],
    names: dict[str, str],
    config: Config,
    run_id: str | None,
) -> dict[str, Order]:
    """Register one order per department of `listed` (code -> the findings its workbook
    lists: finding_id, rule_id, severity) on `con`, inside the caller's transaction (the
    tables made by ensure_schema)."""
    issued_on, at = today(), datetime.now(UTC).replace(tzinfo=None)
    orders: dict[str, Order] = {}
    for code, findings in sorted(listed.items()):
        ids = [f["finding_id"] for f in findings]
        order = Order(new_id(code, issued_on), code, issued_on, checksum(ids), config.owner(code, names[code]))
        con.execute(
            "INSERT INTO quality.work_orders VALUES (?, ?, ?, ?, ?, ?, ?)",
            [order.work_order_id, code, at, issued_on, run_id, len(ids), order.checksum],
        )
        items = pa.table(
            {
                "finding_id": pa.array(ids, pa.string()),
                "rule_id": pa.array([f["rule_id"] for f in findings], pa.string()),
                "severity": pa.array([f["severity"] for f in findings], pa.string()),
                "due_date": pa.array(
                    [issued_on + timedelta(days=config.due_days[f["severity"]]) for f in findings], pa.date32()
                ),
            }
        )
        con.register("_wo_items", items)
        # a finding an earlier order listed keeps its first due date
        con.execute(
            """INSERT INTO quality.work_order_items
               SELECT ?, i.finding_id, i.rule_id, i.severity, coalesce(e.due_date, i.due_date)
               FROM _wo_items AS i
               LEFT JOIN (SELECT finding_id, min(due_date) AS due_date FROM quality.work_order_items
                          GROUP BY finding_id) AS e USING (finding_id)""",
            [order.work_order_id],
        )
        con.unregister("_wo_items")
        order.due = dict(
            con.execute(
                "SELECT finding_id, due_date FROM quality.work_order_items WHERE work_order_id = ?",
                [order.work_order_id],
            ).fetchall()
        )
        orders[code] = order
    return orders
