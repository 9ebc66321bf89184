"""The report page: quality/report/templates/index.html.j2 rendered with collect()'s data.

    render_page(data, out_dir, workbooks, plotly_js) -> str

Links (workbooks, GX Data Docs, GX validation results) are relative to the page, so the
report directory can be opened from disk (file://), copied or served as it is.
"""

from __future__ import annotations

import os
from pathlib import Path

import jinja2
import markupsafe

from govlake.pii import mask_text, mask_value
from quality.report import charts
from quality.report.vocabulary import detail_zh, zh

TEMPLATES = Path(__file__).parent / "templates"
# what the template reads from ReportData as it is
SHOWN = (
    "run",
    "dimensions",
    "departments",
    "sources",
    "trend",
    "gate",
    "held",
    "worst_rules",
    "violations",
    "has_conflicts",
    "conflict_summary",
    "conflicts",
    "disputes",
    "limits",
    "work_orders",
)


def _masked(value):
    """Every value the page prints, masked by pattern too (govlake.pii): a personal number
    in a column the SQL did not mask for (a shifted or header-less delivery) stays hidden."""
    if isinstance(value, markupsafe.Markup):
        return markupsafe.Markup(mask_text(str(value)))
    return mask_value(value)


_env = jinja2.Environment(
    loader=jinja2.FileSystemLoader(TEMPLATES),
    undefined=jinja2.StrictUndefined,
    autoescape=jinja2.select_autoescape(["html", "j2"]),
    trim_blocks=True,
    lstrip_blocks=True,
    finalize=_masked,
)
_env.filters["num"] = lambda v: f"{v:,}" if isinstance(v, (int, float)) else ("—" if v is None else v)
_env.filters["pct"] = lambda v: "—" if v is None else f"{v:.2%}"
_env.filters["zh"] = lambda code, kind: zh(kind, code)
_env.filters["detail_zh"] = detail_zh


def relative(target: Path, out_dir: Path) -> str:
    """A link from a page in out_dir to target, with forward slashes."""
    return Path(os.path.relpath(target, out_dir)).as_posix()


def gx_links(data, out_dir: Path) -> dict[str, str | None]:
    """source id -> its GX validation result of the latest run (reports/quality/gx/<run>/<source>.json)."""
    run_dir = data.lake.reports / "quality" / "gx" / (data.run or {}).get("run_id", "")
    return {
        s["source_id"]: relative(run_dir / f"{s['source_id']}.json", out_dir)
        if data.run and (run_dir / f"{s['source_id']}.json").exists()
        else None
        for s in data.sources
    }


def priorities(data) -> dict[str, dict]:
    """Per department: its top rules by open findings and by share of rows affected, and its
    batches' history, newest first."""
    n = data.limits["priorities"]
    return {
        c.code: {
            "by_findings": data.rows[c.code].rules[:n],
            "by_share": data.rows[c.code].rules_by_share[:n],
            "history": [h for h in data.history if h["department"] == c.code],
        }
        for c in data.departments
    }


def render_page(data, out_dir: Path, workbooks: dict[str, Path], plotly_js: str) -> str:
    docs = data.lake.reports / "quality" / "data_docs" / "index.html"
    return _env.get_template("index.html.j2").render(
        priorities=priorities(data),
        **{name: getattr(data, name) for name in SHOWN},
        generated_at=data.generated_at.strftime("%Y-%m-%d %H:%M:%S"),
        lake_home=str(data.lake.home),
        workbooks={code: relative(path, out_dir) for code, path in workbooks.items()},
        gx=gx_links(data, out_dir),
        data_docs=relative(docs, out_dir) if docs.exists() else None,
        plotly_js=plotly_js,
        charts={
            "scorecard": charts.scorecard_chart(data),
            "dimensions": charts.dimensions_chart(data),
            "trend": charts.trend_chart(data) if data.trend else "",
        },
    )
