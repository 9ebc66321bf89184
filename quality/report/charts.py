"""The report's charts: plotly figures as HTML fragments, and plotly.js written once beside
the page (assets/plotly-<version>.min.js), so the page renders offline - no CDN.

    asset = write_plotly_js(out_dir)                     # relative path for <script src=…>
    fragments = {"scorecard": scorecard_chart(data), "dimensions": …, "trend": trend_chart(data)}
"""

from __future__ import annotations

from pathlib import Path

import plotly
import plotly.graph_objects as go
import plotly.io as pio

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
    """Overall score of every department (latest batch of each source); a department without
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


def dimensions_chart(data) -> str:
    """Departments × GB/T 36344 dimensions, one cell per score (blank: nothing checked)."""
    cards = data.departments
    dims = data.dimensions
    z = [[c.scores.get(d["dimension"]) for d in dims] for c in cards]
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=[f"{d['dimension_zh']} {d['dimension']}" for d in dims],
            y=[_label(c) for c in cards],
            zmin=_low(v for row in z for v in row),
            zmax=100,
            colorscale="RdYlGn",
            text=[[f"{v:.2f}" if v is not None else "—" for v in row] for row in z],
            texttemplate="%{text}",
            hovertemplate="%{y}<br>%{x}: %{z:.2f}<extra></extra>",
            colorbar={"title": "score"},
        )
    )
    fig.update_layout(title="维度得分 Scores by dimension", yaxis={"automargin": True, "autorange": "reversed"})
    return _html(fig, "chart-dimensions", 120 + 32 * len(cards))


def trend_chart(data) -> str:
    """Overall score of each department over its batch dates (the latest run of each batch)."""
    names = {c.code: _label(c) for c in data.departments}
    fig = go.Figure()
    for code in names:
        points = [t for t in data.trend if t["department"] == code]
        if points:
            fig.add_trace(
                go.Scatter(
                    x=[t["batch"] for t in points],
                    y=[t["score"] for t in points],
                    mode="lines+markers",
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
