"""A department's returned work-order workbook, read back: its 整改状态 and 反馈意见 per finding.

    from quality.feedback import import_feedback
    result = import_feedback(lake, "returned/gaj-公安.xlsx", by="公安-王")   # Imported

The file comes from outside the lake, so it is checked as ingestion checks a delivery before
openpyxl parses it (xlsx_guard.py, quality/work_orders.yaml import_limits). Then it must be
the workbook that was sent: the hidden sheet 工单 names a work order of this lake
(quality.work_orders), the order's department and checksum; the finding ids of 违规明细 are
exactly the order's (no row added or removed, no id edited: their sha256 equals the order's
checksum); every status is one of quality/work_orders.yaml's. Anything else refuses the whole
file - a FeedbackError naming file, sheet, row and column - and nothing is recorded.

Accepted, each row with a status or a comment is appended to quality.work_order_feedback
(comment masked by govlake.pii.mask_text, who, when) unless the order's latest feedback on
that finding says the same: importing the same file twice records it once. Taken or refused,
the import is recorded in the audit log.
"""

from __future__ import annotations

import getpass
import hashlib
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pyarrow as pa
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from govlake import audit, duckdb_settings
from govlake.lock import lake_lock
from govlake.pii import mask_text
from govlake.settings import Lake
from quality import work_orders
from quality.report.workbook import (
    FINDINGS_SHEET,
    HEAD_ROWS,
    ORDER_CHECKSUM,
    ORDER_DEPARTMENT,
    ORDER_ID,
    ORDER_SHEET,
)
from quality.xlsx_guard import UnsafeWorkbook, check_archive

# the 违规明细 columns the import reads, by the Chinese first line of their header
FINDING_ID, STATUS, COMMENT = "问题编号", "整改状态", "反馈意见"
MAX_LISTED_ERRORS = 10  # status errors named in one refusal; the rest counted


class FeedbackError(ValueError):
    """The returned workbook is refused; the message names file, sheet, row and column."""


@dataclass
class Row:
    row: int  # the sheet's row number
    finding_id: str
    status: str | None
    comment: str | None


@dataclass
class Returned:
    """What a returned workbook says, as read (not yet checked against the lake)."""

    path: Path
    work_order_id: str
    department: str
    checksum: str
    rows: list[Row]
    order_rows: dict[str, int] = field(default_factory=dict)  # 工单 label -> its row


@dataclass
class Imported:
    work_order_id: str
    department: str
    listed: int  # findings the workbook lists
    answered: int  # rows with a status or a comment
    recorded: int  # of them, new feedback (the rest repeat what was recorded)
    statuses: dict[str, int] = field(default_factory=dict)
    by: str = ""


def _text(value) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _order_sheet(path: Path, wb) -> tuple[list[str], dict[str, int]]:
    if ORDER_SHEET not in wb.sheetnames:
        raise FeedbackError(
            f"{path}: no sheet {ORDER_SHEET}: not a work-order workbook (one `govlake quality report` wrote)"
        )
    found: dict[str, tuple[int, str | None]] = {}
    for n, row in enumerate(wb[ORDER_SHEET].iter_rows(min_row=1, max_row=20, max_col=2, values_only=True), start=1):
        label = _text(row[0]) if row else None
        if label in (ORDER_ID, ORDER_DEPARTMENT, ORDER_CHECKSUM):
            found[label] = (n, _text(row[1]) if len(row) > 1 else None)
    values = []
    for label in (ORDER_ID, ORDER_DEPARTMENT, ORDER_CHECKSUM):
        if label not in found or not found[label][1]:
            where = f"row {found[label][0]}, column B" if label in found else "column A"
            raise FeedbackError(f"{path}: sheet {ORDER_SHEET}, {where}: no {label}: not a work-order workbook")
        values.append(found[label][1])
    return values, {label: row for label, (row, _) in found.items()}


def _findings_sheet(path: Path, wb) -> list[Row]:
    if FINDINGS_SHEET not in wb.sheetnames:
        raise FeedbackError(f"{path}: no sheet {FINDINGS_SHEET}: the findings of the work order are missing")
    rows = wb[FINDINGS_SHEET].iter_rows(min_row=HEAD_ROWS, values_only=True)
    header = [(_text(h) or "").split("\n")[0].strip() for h in next(rows, ())]
    columns = {}
    for name in (FINDING_ID, STATUS, COMMENT):
        if name not in header:
            raise FeedbackError(f"{path}: sheet {FINDINGS_SHEET}, row {HEAD_ROWS}: no column {name}")
        columns[name] = header.index(name)
    out = []
    for n, values in enumerate(rows, start=HEAD_ROWS + 1):
        cells = {name: _text(values[i]) if i < len(values) else None for name, i in columns.items()}
        if not any(cells.values()):
            continue  # an empty row (Excel keeps formatted ones)
        if not cells[FINDING_ID]:
            col = get_column_letter(columns[FINDING_ID] + 1)
            raise FeedbackError(
                f"{path}: sheet {FINDINGS_SHEET}, row {n}, column {FINDING_ID} ({col}{n}): no finding id "
                "(a row was added?)"
            )
        out.append(Row(n, cells[FINDING_ID], cells[STATUS], cells[COMMENT]))
    return out


def read_returned(path: Path | str, limits: dict[str, int]) -> Returned:
    """The work order a returned workbook names and its rows; FeedbackError when the file is
    not a workbook within the limits, or not a work-order workbook."""
    path = Path(path)
    try:
        check_archive(path, limits)
    except UnsafeWorkbook as e:
        raise FeedbackError(str(e)) from None
    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as e:  # a hostile or damaged file: openpyxl and zipfile raise many kinds
        raise FeedbackError(f"{path}: not a readable XLSX workbook ({type(e).__name__}: {mask_text(str(e))})") from None
    try:
        (order_id, department, digest), rows = _order_sheet(path, wb)
        return Returned(path, order_id, department, digest, _findings_sheet(path, wb), rows)
    except FeedbackError:
        raise
    except Exception as e:  # damage found only while a sheet is read (a part failing its CRC)
        raise FeedbackError(f"{path}: the workbook cannot be read ({type(e).__name__}: {mask_text(str(e))})") from None
    finally:
        wb.close()


def _check(con: duckdb.DuckDBPyConnection, lake: Lake, wb: Returned, config: work_orders.Config) -> None:
    """Refuse a workbook that is not the one sent, or a status not configured."""
    path = wb.path
    issued = con.execute(
        "SELECT 1 FROM information_schema.tables WHERE table_schema = 'quality' AND table_name = 'work_orders'"
    ).fetchall()
    order = (
        con.execute(
            "SELECT department, checksum FROM quality.work_orders WHERE work_order_id = ?", [wb.work_order_id]
        ).fetchall()
        if issued
        else []
    )
    if not order:
        raise FeedbackError(
            f"{path}: sheet {ORDER_SHEET}, row {wb.order_rows.get(ORDER_ID, 1)}, column B: "
            f"{mask_text(wb.work_order_id)} is not a work order of "
            f"this lake ({lake.home})"
        )
    department, digest = order[0]
    if wb.department != department:
        raise FeedbackError(
            f"{path}: sheet {ORDER_SHEET}, row {wb.order_rows.get(ORDER_DEPARTMENT, 2)}, column B: department "
            f"{mask_text(wb.department)!r} is not "
            f"{department!r}, the department of work order {wb.work_order_id}"
        )
    if wb.checksum != digest:
        raise FeedbackError(
            f"{path}: sheet {ORDER_SHEET}, row {wb.order_rows.get(ORDER_CHECKSUM, 3)}, column B: checksum differs "
            "from the one recorded for work "
            f"order {wb.work_order_id}: the sheet was edited"
        )
    _check_findings(con, wb, digest)
    _check_statuses(wb, config)


def _check_findings(con: duckdb.DuckDBPyConnection, wb: Returned, digest: str) -> None:
    ids = [r.finding_id for r in wb.rows]
    if work_orders.checksum(ids) == digest:
        return
    where = f"{wb.path}: sheet {FINDINGS_SHEET}"
    seen: dict[str, int] = {}
    for r in wb.rows:
        if r.finding_id in seen:
            raise FeedbackError(
                f"{where}, row {r.row}, column {FINDING_ID}: finding {mask_text(r.finding_id)} is listed twice "
                f"(first in row {seen[r.finding_id]}): rows were added"
            )
        seen[r.finding_id] = r.row
    sent = {
        f
        for (f,) in con.execute(
            "SELECT finding_id FROM quality.work_order_items WHERE work_order_id = ?", [wb.work_order_id]
        ).fetchall()
    }
    foreign = [r for r in wb.rows if r.finding_id not in sent]
    if foreign:
        r = foreign[0]
        raise FeedbackError(
            f"{where}, row {r.row}, column {FINDING_ID}: finding {mask_text(r.finding_id)} is not in work order "
            f"{wb.work_order_id} ({len(foreign)} such rows): a finding id was edited or a row added"
        )
    missing = sorted(sent - set(ids))
    raise FeedbackError(
        f"{where}: {len(missing)} finding(s) of work order {wb.work_order_id} are missing (first: {missing[0]}): "
        "rows were deleted"
    )


def _check_statuses(wb: Returned, config: work_orders.Config) -> None:
    bad = [r for r in wb.rows if r.status and config.parse_status(r.status) is None]
    if not bad:
        return
    allowed = ", ".join(s.label for s in config.statuses)
    named = "; ".join(f"row {r.row}, column {STATUS}: {mask_text(r.status)!r}" for r in bad[:MAX_LISTED_ERRORS]) + (
        f"; and {len(bad) - MAX_LISTED_ERRORS} more rows" if len(bad) > MAX_LISTED_ERRORS else ""
    )
    raise FeedbackError(f"{wb.path}: sheet {FINDINGS_SHEET}, {named}: not a status; one of {allowed}")


def _record(
    con: duckdb.DuckDBPyConnection, wb: Returned, config: work_orders.Config, by: str
) -> tuple[list[tuple], int]:
    """Append the rows with a status or comment that differ from the latest feedback on their
    finding; returns the rows answered (finding, status, comment)."""
    answered = [
        (r.finding_id, config.parse_status(r.status) if r.status else None, mask_text(r.comment) if r.comment else None)
        for r in wb.rows
        if r.status or r.comment
    ]
    con.register(
        "_wo_feedback",
        pa.table(
            {
                "finding_id": pa.array([a[0] for a in answered], pa.string()),
                "status": pa.array([a[1] for a in answered], pa.string()),
                "comment": pa.array([a[2] for a in answered], pa.string()),
            }
        ),
    )
    before = con.execute("SELECT count(*) FROM quality.work_order_feedback").fetchall()[0][0]
    con.execute(
        """INSERT INTO quality.work_order_feedback
           SELECT $order, n.finding_id, n.status, n.comment, $by, $at
           FROM _wo_feedback AS n
           LEFT JOIN (
               SELECT finding_id, status, comment FROM quality.work_order_feedback
               WHERE work_order_id = $order
               QUALIFY row_number() OVER (PARTITION BY finding_id ORDER BY "at" DESC) = 1
           ) AS l ON n.finding_id = l.finding_id
           WHERE l.finding_id IS NULL OR n.status IS DISTINCT FROM l.status OR n.comment IS DISTINCT FROM l.comment""",
        {"order": wb.work_order_id, "by": by, "at": datetime.now(UTC).replace(tzinfo=None)},
    )
    con.unregister("_wo_feedback")
    after = con.execute("SELECT count(*) FROM quality.work_order_feedback").fetchall()[0][0]
    return answered, after - before


def default_by() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def import_feedback(
    lake: Lake, path: Path | str, by: str | None = None, config: work_orders.Config | None = None
) -> Imported:
    """Check a returned workbook against its work order and record its feedback; FeedbackError
    (nothing recorded) when it is not the workbook sent or a status is not configured."""
    path = Path(path)
    by = (by or "").strip() or default_by()
    config = config or work_orders.load_config()
    facts = {"file": str(path)}
    with audit.recorded(
        lake, "work_order.feedback", subject=path.name, actor=by, details=facts, refused=(FeedbackError,)
    ) as entry:
        wb = read_returned(path, config.limits)
        entry.subject = wb.work_order_id
        facts["sha256"] = hashlib.sha256(path.read_bytes()).hexdigest()
        if not lake.warehouse.exists():
            raise FeedbackError(f"{path}: no warehouse at {lake.warehouse}: not a work order of this lake")
        with lake_lock(lake):
            con = duckdb_settings.connect(lake, lake.warehouse)
            try:
                _check(con, lake, wb, config)
                con.begin()
                answered, recorded = _record(con, wb, config, by)
                con.commit()
            finally:
                con.close()
        result = Imported(
            work_order_id=wb.work_order_id,
            department=wb.department,
            listed=len(wb.rows),
            answered=len(answered),
            recorded=recorded,
            statuses=dict(Counter(a[1] for a in answered if a[1])),
            by=by,
        )
        entry.details.update(department=wb.department, answered=result.answered, recorded=recorded)
    return result
