"""One XLSX workbook per department: what the steward sends the department to correct.

    path = write_workbook(data, card, directory)     # <directory>/<code>-<name>.xlsx

Sheets: 说明 (the department, the run, its scores and failing rules), 违规明细 (its open
findings, quality/findings.py: new or still open; with the work order's owner, due date and
the 整改状态 and 反馈意见 columns the department fills in), 已解决 (resolved since the batch before),
冲突 (open 一数一源 conflicts routed to it), 数据异议 (tickets routed to it), 历史 (per source
and batch, newest first: findings, blocking findings, rules failed and the overall score; the
rows themselves stay in quality.violations). Each list sheet
starts with a line saying how many rows it holds (and, when the cap of report.yaml cut it,
of how many), then its header, frozen, with an autofilter. Values are as collect() read
them: masked in SQL. Strings stay strings (a value starting with '=' is not a formula).
The workbook is a work order (quality/work_orders.py): the hidden, protected sheet 工单
carries its id, department and checksum for the import of the returned workbook
(quality/feedback.py).
"""

from __future__ import annotations

import re
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from govlake.pii import mask_text
from quality.report.vocabulary import detail_zh, label

EXCEL_MAX_ROWS = 1_048_576
UNSAFE = re.compile(r'[\\/:*?"<>|\s]+')  # characters a file name cannot hold
HEAD_ROWS = 2  # the note line and the header
REJECTED_FONT = Font(bold=True, color="C62828")  # the report's --bad
HEADER_FONT, HEADER_FILL = Font(bold=True, color="FFFFFF"), PatternFill("solid", fgColor="1F4E79")
NOTE_FONT, TITLE_FONT = Font(italic=True, color="555555"), Font(bold=True, size=14)


# sheet -> (header, key of the row dict); headers in Chinese with English below
VIOLATIONS = (
    ("问题编号\nfinding id", "finding_id"),
    ("状态\nstatus", "status_zh"),
    ("数据源\nsource", "source_id"),
    ("批次\nbatch", "batch"),
    ("首次批次\nfirst seen", "first_seen_batch"),
    ("记录键(脱敏)\nrecord key, masked", "record_key"),
    ("字段\ncolumn", "column_name"),
    ("规则\nrule id", "rule_id"),
    ("维度\ndimension", "dimension_zh"),
    ("严重性\nseverity", "severity_label"),
    ("说明\nmessage", "message_zh"),
    ("观测值(脱敏)\nobserved, masked", "observed"),
    ("详情\ndetail", "detail_label"),
    ("文件\nfile", "_file"),
    ("行号\nrow", "_row_no"),
)
# the work order's columns of 违规明细: filled by the report, then by the department
ORDER_COLUMNS = (
    ("负责人\nowner", "owner"),
    ("截止日期\ndue date", "due_date"),
    ("整改状态\nstatus of correction", "feedback_status"),
    ("反馈意见\nfeedback", "feedback"),
)
OPEN_FINDINGS = VIOLATIONS + ORDER_COLUMNS
# hashes the lake computed, never delivered text, written unmasked: pattern masking would
# change a 16-hex finding id holding eleven digits in a row (a mobile's shape), and the import
# of the returned workbook could no longer match it to its work order
LAKE_HASHES = {"finding_id"}
ORDER_SHEET, FINDINGS_SHEET = "工单", "违规明细"
# the 工单 sheet's rows: label in column A, value in column B
ORDER_ID, ORDER_DEPARTMENT, ORDER_CHECKSUM, ORDER_FINDINGS = (
    "工单编号 work order id",
    "部门 department",
    "校验和 checksum (sha256 of the sorted finding ids)",
    "问题数 findings listed",
)
HISTORY = (
    ("数据源\nsource", "source_id"),
    ("批次\nbatch", "batch"),
    ("问题数\nfindings", "findings"),
    ("阻断\nblocking", "blocking"),
    ("失败规则数\nrules failed", "rules"),
    ("总分\noverall score", "score"),
)
CONFLICTS = (
    ("冲突编号\nconflict id", "conflict_id"),
    ("状态\nstatus", "status_zh"),
    ("实体类型\nentity type", "entity_type_label"),
    ("实体(脱敏)\nentity, masked", "entity_id"),
    ("属性\nattribute", "attribute"),
    ("规则\nrule", "rule_label"),
    ("本部门数据源\nyour source", "other_source"),
    ("字段\ncolumn", "other_column"),
    ("本部门值(如实交付)\nyour value, as you delivered it", "own_value"),
    ("权威来源\nauthoritative source", "authoritative_source"),
    ("权威值(脱敏)\ngolden value, masked", "authoritative_value"),
    ("差异位置\nwhere they differ", "difference"),
    ("首次批次\nfirst seen", "first_seen_batch"),
    ("最近批次\nlast seen", "last_seen_batch"),
    ("批次数\nbatches", "batches_seen"),
    ("观测数\nobservations", "observations"),
)
DISPUTES = (
    ("工单\nticket", "ticket_id"),
    ("状态\nstatus", "status"),
    ("实体(脱敏)\nentity, masked", "entity_id"),
    ("属性\nattribute", "attribute"),
    ("主张值(脱敏)\nclaimed value, masked", "claimed_value"),
    ("登记时值(脱敏)\nvalue when filed, masked", "filed_value"),
    ("权威数据源\nsource", "source_id"),
    ("字段\ncolumn", "source_column"),
    ("登记批次\nbatch when filed", "filed_batch"),
    ("提出人\nfiled by", "filed_by"),
    ("提出时间(UTC)\nfiled at", "filed_at"),
    ("承办人\nassignee", "assignee"),
    ("状态时间(UTC)\nstatus at", "status_at"),
)
RULES = (
    ("规则\nrule id", "rule_id"),
    ("数据源\nsource", "source_id"),
    ("维度\ndimension", "dimension_zh"),
    ("严重性\nseverity", "severity_label"),
    ("说明\nmessage", "message_zh"),
    ("失败\nfailed", "failed"),
    ("检查\nchecked", "checked"),
    ("得分\nscore", "score"),
)


def workbook_name(card) -> str:
    """<code>-<name>.xlsx, the name without characters a file name cannot hold."""
    return f"{card.code}-{UNSAFE.sub('_', card.name)}.xlsx"


def _clean(value, masked: bool = True):
    if isinstance(value, str):  # masked by pattern too, whatever the column (govlake.pii)
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
        return mask_text(value) if masked else value
    if isinstance(value, float):
        return round(value, 4)
    return value


def _cell(ws, value, font=None, masked: bool = True):
    c = WriteOnlyCell(ws, value=_clean(value, masked))
    if isinstance(c.value, str):
        c.data_type = "s"  # text as delivered, never a formula
    if font:
        c.font = font
    return c


def _width(value) -> int:
    text = str(value) if value is not None else ""
    line = max(text.split("\n"), key=len) if text else ""
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in line)


def _list_sheet(wb: Workbook, title: str, columns, rows: list[dict], total: int, what: str, cap: int, ws=None):
    ws = ws or wb.create_sheet(title)
    for i, (header, key) in enumerate(columns, start=1):
        sample = [_width(header)] + [_width(r.get(key)) for r in rows[:500]]
        ws.column_dimensions[get_column_letter(i)].width = min(max(sample) + 2, 60)
    ws.freeze_panes = f"A{HEAD_ROWS + 1}"
    last = get_column_letter(len(columns))
    ws.auto_filter.ref = f"A{HEAD_ROWS}:{last}{HEAD_ROWS + max(len(rows), 1)}"
    if total > len(rows):
        note = (
            f"{what}: 仅列出前 {len(rows):,} 行,共 {total:,} 行(上限见 quality/report/report.yaml workbook.max_rows)"
            f" — first {len(rows):,} of {total:,} rows (capped at {cap:,})"
        )
    else:
        note = f"{what}: 共 {total:,} 行 — {total:,} rows"
    ws.append([_cell(ws, note, NOTE_FONT)])
    header = []
    for h, _ in columns:
        c = _cell(ws, h, HEADER_FONT)
        c.fill, c.alignment = HEADER_FILL, Alignment(wrap_text=True, vertical="top")
        header.append(c)
    ws.append(header)
    for r in rows:
        ws.append([_cell(ws, r.get(key), masked=key not in LAKE_HASHES) for _, key in columns])


def _findings_sheet(wb: Workbook, rows: list[dict], card, order, statuses: list[str], cap: int) -> None:
    """违规明细 with the order's owner and due date per finding, and a drop-down of the
    configured statuses on 整改状态 (a data validation must be added before the rows are
    written in a write-only workbook)."""
    ws = wb.create_sheet(FINDINGS_SHEET)
    if order is not None:
        rows = [{**r, "owner": order.owner, "due_date": order.due.get(r["finding_id"])} for r in rows]
        column = get_column_letter(OPEN_FINDINGS.index(ORDER_COLUMNS[2]) + 1)
        dv = DataValidation(
            type="list",
            formula1='"' + ",".join(statuses) + '"',
            allow_blank=True,
            showErrorMessage=True,
            errorTitle="整改状态 status",
            error="请从列表中选择 choose one of: " + ", ".join(statuses),
        )
        dv.add(f"{column}{HEAD_ROWS + 1}:{column}{HEAD_ROWS + max(len(rows), 1)}")
        ws.data_validations.append(dv)
    _list_sheet(wb, FINDINGS_SHEET, OPEN_FINDINGS, rows, card.violations, "未结问题 open findings", cap, ws=ws)


def _order_sheet(wb: Workbook, order, listed: int) -> None:
    """工单: what the import checks the returned workbook against; hidden and protected
    (no password: it keeps an honest edit out, the checksum catches the rest)."""
    ws = wb.create_sheet(ORDER_SHEET)
    ws.column_dimensions["A"].width, ws.column_dimensions["B"].width = 48, 70
    for label_, value in (
        (ORDER_ID, order.work_order_id),
        (ORDER_DEPARTMENT, order.department),
        (ORDER_CHECKSUM, order.checksum),
        (ORDER_FINDINGS, listed),
    ):
        ws.append([_cell(ws, label_), _cell(ws, value, masked=False)])
    ws.sheet_state = "hidden"
    ws.protection.sheet = True


def _summary_sheet(wb: Workbook, data, card, rows, order=None) -> None:
    ws = wb.create_sheet("说明")
    ws.column_dimensions["A"].width = 34
    ws.column_dimensions["B"].width = 70
    run = data.run or {}

    def line(label, value=None, font=None):
        ws.append([_cell(ws, label, font), _cell(ws, value)])

    line(f"数据质量整改清单 Data quality findings — {card.name}", font=TITLE_FONT)
    line("部门 department", f"{card.name} ({card.code})")
    line("数据源 sources", ", ".join(card.sources))
    line("质量运行 quality run", run.get("run_id"))
    line("报告生成(UTC) generated", data.generated_at.strftime("%Y-%m-%d %H:%M:%S"))
    line("最近批次 latest batch", card.latest_batch)
    if order is not None:
        line("整改工单 work order", order.work_order_id)
        line(
            "反馈 feedback",
            "请在“违规明细”表填写 整改状态 与 反馈意见 后原样交回,勿增删行、勿改问题编号 — fill in 整改状态 "
            "and 反馈意见 on 违规明细 and return the workbook as it is: no row added or removed, no finding id "
            "edited (govlake quality feedback import)",
        )
    line("")
    line("GB/T 36344 得分 scores (0–100, open findings of the current data)", font=Font(bold=True))
    for d in data.dimensions:
        score = card.scores.get(d["dimension"])
        line(
            f"{d['dimension_zh']} {d['dimension']} (权重 {d['weight']})",
            round(score, 2) if score is not None else "— 未检查 nothing checked",
        )
    line("总分 overall", round(card.overall, 2) if card.overall is not None else "— 无结果 no results")
    if card.rejected_share:
        line(
            "拒收 rejected",
            f"{card.rejected_share:.1%} 的交付字节被整体拒收,可访问性与完整性按此比例扣减,请重新交付 — "
            f"{card.rejected_share:.1%} of the delivered bytes were rejected whole; 可访问性 and 完整性 fall "
            "by that share until the files are re-delivered",
            REJECTED_FONT,
        )
    line("")
    line("未结问题 open findings (blocking 阻断)", f"{card.violations:,} ({card.blocking:,})")
    line("新增 new since the batch before", f"{card.new_findings:,}")
    line("已解决 resolved since the batch before", f"{card.resolved_findings:,}")
    line("历史问题 findings of every batch", f"{card.history:,}")
    line("一数一源冲突 open conflicts", f"{card.conflicts:,}")
    line("数据异议 disputes (open 未结)", f"{card.disputes:,} ({card.open_disputes:,})")
    line("")
    line(
        "脱敏 masking",
        "身份证号保留前6后4、姓名保留首字、手机号保留3+4、地址保留区县 (docs/masking.md#masks)。"
        "Values are masked; the file and row locate each record in the delivery.",
    )
    line("")
    line("失败规则 failing rules", font=Font(bold=True))
    ws.append([_cell(ws, h.replace("\n", " "), Font(bold=True)) for h, _ in RULES])
    for r in _localised(rows.rules):
        ws.append([_cell(ws, r.get(key)) for _, key in RULES])


def _localised(rows: list[dict]) -> list[dict]:
    """Codes as Chinese first, the code beside (quality/report/vocabulary.yaml)."""
    out = []
    for r in rows:
        detail = r.get("detail")
        chinese = detail_zh(detail)
        out.append(
            {
                **r,
                "status_zh": label("status", r.get("status")),
                "severity_label": label("severity", r.get("severity")),
                "rule_label": label("conflict_rule", r.get("rule")),
                "entity_type_label": label("entity_type", r.get("entity_type")),
                "detail_label": f"{chinese} — {detail}" if chinese else detail,
            }
        )
    return out


def write_workbook(data, card, directory: Path, order=None, statuses: list[str] | None = None) -> Path:
    """The department's workbook under directory; replaces an older one atomically."""
    tmp, path = stage_workbook(data, card, directory, order, statuses)
    tmp.replace(path)
    return path


def stage_workbook(data, card, directory: Path, order=None, statuses: list[str] | None = None) -> tuple[Path, Path]:
    """The department's workbook written beside its place: (temporary file, final path); the
    caller renames it into place once the work order `order` is committed."""
    rows = data.rows[card.code]
    cap = data.limits["workbook_rows"]
    wb = Workbook(write_only=True)
    _summary_sheet(wb, data, card, rows, order)
    _findings_sheet(wb, _localised(rows.violations), card, order, statuses or [], cap)
    _list_sheet(wb, "已解决", VIOLATIONS, _localised(rows.resolved), card.resolved_findings, "已解决 resolved", cap)
    _list_sheet(wb, "冲突", CONFLICTS, _localised(rows.conflicts), card.conflicts, "一数一源冲突 open conflicts", cap)
    _list_sheet(wb, "数据异议", DISPUTES, rows.disputes, card.disputes, "数据异议 disputes", cap)
    _list_sheet(wb, "历史", HISTORY, rows.history, card.history_batches, "历史 findings per source and batch", cap)
    if order is not None:
        _order_sheet(wb, order, len(rows.violations))
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / workbook_name(card)
    tmp = path.with_name(f".{path.name}.tmp")
    wb.save(tmp)
    return tmp, path


def check_cap(cap: int) -> int:
    """The configured rows per sheet, within what Excel can hold."""
    if not 1 <= cap <= EXCEL_MAX_ROWS - HEAD_ROWS:
        raise ValueError(
            f"workbook.max_rows must be 1..{EXCEL_MAX_ROWS - HEAD_ROWS:,} (Excel holds "
            f"{EXCEL_MAX_ROWS:,} rows a sheet, {HEAD_ROWS} of them note and header), got {cap:,}"
        )
    return cap
