"""The steward report: reports/quality/index.html and one XLSX workbook per department.

    from quality.report import write_report
    result = write_report(lake)            # ReportResult: page, workbooks, counts
    result = write_report(lake, out=DIR)   # elsewhere than <lake>/reports/quality

Reads the warehouse once (data.collect), then, under the lake lock and in one transaction,
registers each department workbook as a work order (quality/work_orders.py) and writes the
workbooks beside their places (workbook.py); only when the orders are committed do the
workbooks replace the older ones, so a failure leaves neither a half-registered order nor a
workbook naming an order the lake does not know. Then plotly.js once beside the page
(charts.py) and the page last (html.py), replacing an older page atomically; the export and
the orders are recorded in the audit log. Limits come from report.yaml.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from govlake import audit, duckdb_settings
from govlake.faults import fault_point
from govlake.lock import lake_lock
from govlake.registry import Registry, load_registry
from govlake.settings import Lake, today
from quality import work_orders
from quality.report.data import ReportData, collect, work_order_rows
from quality.report.workbook import check_cap, stage_workbook

CONFIG_PATH = Path(__file__).with_name("report.yaml")


@dataclass
class ReportResult:
    page: str
    workbooks: dict[str, str]  # department code -> path
    departments: int
    violations: int
    conflicts: int
    disputes: int
    held: list[str] = field(default_factory=list)  # "source batch" of the batches the gate holds
    work_orders: dict[str, str] = field(default_factory=dict)  # department code -> work order id

    def as_dict(self) -> dict:
        return dict(self.__dict__)

    def audit_details(self) -> dict:
        """What left the lake: every file written, and how much of each kind of finding."""
        return {
            "workbooks": sorted(self.workbooks.values()),
            # the one value a workbook shows unmasked: the department's own delivered copy of a
            # conflicting value (it holds it already); everything else is masked
            "unmasked": "冲突 your value: each department's own delivered value, in its own workbook only",
            **{k: getattr(self, k) for k in ("violations", "conflicts", "disputes")},
            "work_orders": self.work_orders,  # department -> the order its workbook is (quality.work_orders)
        }


def load_config(path: Path = CONFIG_PATH) -> dict:
    config = yaml.safe_load(path.read_text(encoding="utf-8"))
    check_cap(int(config["workbook"]["max_rows"]))
    return config


def default_out(lake: Lake) -> Path:
    return lake.reports / "quality"


def write_report(
    lake: Lake, out: Path | str | None = None, config: dict | None = None, registry: Registry | None = None
) -> ReportResult:
    """Write the page and the department workbooks; ReportError (data.py) when the warehouse
    has no quality results yet."""
    from quality.report.charts import write_plotly_js
    from quality.report.html import render_page

    config = config or load_config()
    order_config = work_orders.load_config()
    registry = registry or load_registry()
    out_dir = Path(out).resolve() if out else default_out(lake)
    data = collect(lake, config, registry)
    out_dir.mkdir(parents=True, exist_ok=True)
    directory = out_dir / config["workbook"]["directory"]
    staged, orders = _issue_and_stage(lake, data, directory, order_config, registry)
    workbooks = {}
    for code, (tmp, path) in staged.items():
        tmp.replace(path)
        workbooks[code] = path
    fault_point("report.after_workbooks")  # the workbooks written, the page not yet
    page = out_dir / "index.html"
    tmp = page.with_name(".index.html.tmp")
    tmp.write_text(render_page(data, out_dir, workbooks, write_plotly_js(out_dir)), encoding="utf-8")
    tmp.replace(page)
    result = ReportResult(
        page=str(page),
        workbooks={code: str(p) for code, p in workbooks.items()},
        departments=len(data.departments),
        violations=sum(c.violations for c in data.departments),
        conflicts=sum(c.conflicts for c in data.departments),
        disputes=sum(c.disputes for c in data.departments),
        held=[f"{g['source_id']} {g['batch']}" for g in data.held],
        work_orders={code: o.work_order_id for code, o in orders.items()},
    )
    audit.record(lake, "export.report", subject=result.page, outcome="ok", details=result.audit_details())
    return result


def _issue_and_stage(
    lake: Lake, data: ReportData, directory: Path, config: work_orders.Config, registry: Registry
) -> tuple[dict[str, tuple[Path, Path]], dict[str, work_orders.Order]]:
    """One work order per department workbook, registered in one transaction that commits
    only once every workbook is written beside its place: department -> (temporary file,
    final path), and the orders."""
    listed = {c.code: data.rows[c.code].violations for c in data.departments}
    names = {c.code: c.name for c in data.departments}
    statuses = [s.zh for s in config.statuses]
    staged: dict[str, tuple[Path, Path]] = {}
    with lake_lock(lake):
        con = duckdb_settings.connect(lake, lake.warehouse)
        try:
            work_orders.ensure_schema(con)
            con.begin()
            orders = work_orders.issue_orders(con, listed, names, config, (data.run or {}).get("run_id"))
            data.work_orders = work_order_rows(con, registry, today())
            for card in data.departments:
                staged[card.code] = stage_workbook(data, card, directory, orders[card.code], statuses)
            con.commit()
        except BaseException:
            con.rollback()
            for tmp, _ in staged.values():
                tmp.unlink(missing_ok=True)
            raise
        finally:
            con.close()
    return staged, orders
