"""The report's charts: plotly figures as HTML fragments, and plotly.js written once beside
the page (assets/plotly-<version>.min.js), so the page renders offline - no CDN.

    asset = write_plotly_js(out_dir)                     # relative path for <script src=…>
    fragments = {"scorecard": scorecard_chart(data), "dimensions": …, "trend": trend_chart(data)}
"""

from __future__ import annotations

import math
from datetime import date
from pathlib import Path

import plotly
import plotly.graph_objects as go
import plotly.io as pio

from govlake.registry import load_registry

FONT = "'WenQuanYi Zen Hei', 'Noto Sans CJK SC', 'Microsoft YaHei', 'PingFang SC', sans-serif"
CONFIG = {"displaylogo": False, "responsive": True, "modeBarButtonsToRemove": ["select2d", "lasso2d", "autoScale2d"]}


def write_plotly_js(out_dir: Path) -> str:
    """plotly.js of the installed plotly package under out_dir/assets/, written only when
    missing or different; returns its path relative to out_dir."""
    from plotly.offline import get_plotlyjs

    rel = f"assets/plotly-{plotly.__version__}.min.js"
    path = out_dir / rel
    js = get_plotlyjs().encode("utf-8")
    if not path.exists() or path.stat().st_size != len(js):
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(js)
        tmp.replace(path)
    return rel


def _html(fig: go.Figure, div_id: str, height: int) -> str:
    fig.update_layout(
        font={"family": FONT, "size": 13},
        height=height,
        template="plotly_white",
        margin={"l": 10, "r": 10, "t": 40, "b": 10},
    )
    return pio.to_html(
        fig, full_html=False, include_plotlyjs=False, div_id=div_id, config=CONFIG, default_height=f"{height}px"
    )


def _label(card) -> str:
    return f"{card.name} {card.code}"


def _low(values) -> float:
    """The lower end of a 0-100 score axis: a little under the lowest score shown."""
    present = [v for v in values if v is not None]
    return max(0.0, min(present, default=100.0) - max(1.0, (100.0 - min(present, default=100.0)) * 0.15))


def scorecard_chart(data) -> str:
    """Overall score of every department (its current data); a department without
    results keeps its place on the axis with no bar."""
    # plotly draws the first bar at the bottom: the worst department on top, those without results at the foot
    cards = sorted(data.departments, key=lambda c: (c.overall is not None, -(c.overall or 0), c.code))
    colours = [
        "#2e7d32" if (c.overall or 0) >= 99 else "#f9a825" if (c.overall or 0) >= 95 else "#c62828" for c in cards
    ]
    fig = go.Figure(
        go.Bar(
            x=[c.overall for c in cards],
            y=[_label(c) for c in cards],
            orientation="h",
            marker_color=colours,
            text=[f"{c.overall:.2f}" if c.overall is not None else "—" for c in cards],
            textposition="inside",
            insidetextanchor="end",
            textfont={"color": "white"},
            cliponaxis=False,
            hovertemplate="%{y}<br>总分 overall %{x:.2f}<extra></extra>",
        )
    )
    fig.update_layout(
        title="部门总分 Overall score by department (0–100)",
        xaxis={"range": [_low(c.overall for c in cards), 100], "title": "score"},
        yaxis={"automargin": True},
    )
    return _html(fig, "chart-scorecard", 120 + 32 * len(cards))


# The heatmap colours a cell by its failing share on a log scale: on a linear 0-100 scale
# 99.8 and 100 were the same green beside a 31.96, though one has 2 failures in 1,000 rows
# and the other none. Ticks name the scores.
_SCALE_TICKS = (100, 99.99, 99.9, 99, 90, 0)


def failure_position(score: float) -> float:
    """Where a 0-100 score sits on the heatmap's scale: log10 of its failing share in
    percent, from -2 (100, or under 0.01 % failing) to 2 (0)."""
    return math.log10(min(max(100.0 - score, 0.01), 100.0))


def dimensions_chart(data) -> str:
    """Departments × GB/T 36344 dimensions, one cell per score (blank: nothing checked)."""
    cards = data.departments
    dims = data.dimensions
    scores = [[c.scores.get(d["dimension"]) for d in dims] for c in cards]
    fig = go.Figure(
        go.Heatmap(
            z=[[failure_position(v) if v is not None else None for v in row] for row in scores],
            customdata=scores,
            x=[f"{d['dimension_zh']} {d['dimension']}" for d in dims],
            y=[_label(c) for c in cards],
            zmin=failure_position(100),
            zmax=failure_position(0),
            colorscale="RdYlGn",
            reversescale=True,  # little failing: green
            text=[[f"{v:.2f}" if v is not None else "—" for v in row] for row in scores],
            texttemplate="%{text}",
            hovertemplate="%{y}<br>%{x}: %{customdata:.2f}<extra></extra>",
            colorbar={
                "title": "score",
                "tickvals": [failure_position(t) for t in _SCALE_TICKS],
                "ticktext": [f"{t:g}" for t in _SCALE_TICKS],
            },
        )
    )
    fig.update_layout(title="维度得分 Scores by dimension", yaxis={"automargin": True, "autorange": "reversed"})
    return _html(fig, "chart-dimensions", 120 + 32 * len(cards))


def trend_chart(data) -> str:
    """Overall score of each department over its batch dates (the latest run of each batch).
    A line joins two batches only when no delivery is missing between them: where the gap is
    longer than 1.5 times the department's most frequent cycle, the line breaks (a steward sees
    the hole rather than a slope across it)."""
    names = {c.code: _label(c) for c in data.departments}
    cycles = department_cycles()
    fig = go.Figure()
    for code in names:
        points = [t for t in data.trend if t["department"] == code]
        if points:
            x, y = with_gaps(points, cycles.get(code))
            fig.add_trace(
                go.Scatter(
                    x=x,
                    y=y,
                    mode="lines+markers",
                    connectgaps=False,
                    name=names[code],
                    hovertemplate=f"{names[code]}<br>%{{x}}: %{{y:.2f}}<extra></extra>",
                )
            )
    fig.update_layout(
        title="趋势 Trend: overall score per batch",
        xaxis={"title": "batch", "type": "date"},
        yaxis={"title": "score", "range": [_low(t["score"] for t in data.trend), 100.5]},
        legend={"orientation": "h", "y": -0.2},
    )
    return _html(fig, "chart-trend", 460)


def department_cycles() -> dict[str, int]:
    """Days of each department's most frequent delivery cycle (the registry's cadences)."""
    cycles: dict[str, int] = {}
    for source in load_registry().sources.values():
        days = source.delivery.period_days
        cycles[source.department] = min(cycles.get(source.department, days), days)
    return cycles


def with_gaps(points: list[dict], cycle_days: int | None) -> tuple[list, list]:
    """x (batch dates) and y (scores) of a trace, a None between two batches further apart
    than 1.5 cycles, where plotly breaks the line."""
    x: list = []
    y: list = []
    for t in points:
        if x and cycle_days and (date.fromisoformat(t["batch"]) - date.fromisoformat(x[-1])).days > 1.5 * cycle_days:
            x.append(None)
            y.append(None)
        x.append(t["batch"])
        y.append(t["score"])
    return x, y
