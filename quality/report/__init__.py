"""The steward report (issue 5): reports/quality/index.html and a workbook per department.

    from quality.report import write_report
    write_report(lake)          # or `govlake quality report`

Modules: data.py (the warehouse queries, sql/*.sql), charts.py (plotly, offline),
html.py (templates/index.html.j2), workbook.py (openpyxl), build.py (all together),
report.yaml (limits).
"""

from quality.report.build import ReportResult, load_config, write_report
from quality.report.data import ReportError

__all__ = ["write_report", "load_config", "ReportResult", "ReportError"]
