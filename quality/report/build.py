"""The steward report: reports/quality/index.html and one XLSX workbook per department.

    from quality.report import write_report
    result = write_report(lake)            # ReportResult: page, workbooks, counts
    result = write_report(lake, out=DIR)   # elsewhere than <lake>/reports/quality

Reads the warehouse once (data.collect), writes the workbooks (workbook.py), plotly.js
once beside the page (charts.py) and the page last (html.py), replacing an older page
atomically, and records the export in the audit log. Limits come from report.yaml.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from govlake import audit
from govlake.faults import fault_point
from govlake.registry import Registry
from govlake.settings import Lake
from quality.report.data import collect
from quality.report.workbook import check_cap, write_workbook

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
    out_dir = Path(out).resolve() if out else default_out(lake)
    data = collect(lake, config, registry)
    out_dir.mkdir(parents=True, exist_ok=True)
    directory = out_dir / config["workbook"]["directory"]
    workbooks = {card.code: write_workbook(data, card, directory) for card in data.departments}
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
    )
    audit.record(lake, "export.report", subject=result.page, outcome="ok", details=result.audit_details())
    return result
