"""The soak's plot: wall time, peak RSS and sizes per day, as a PNG.

Drawn with plotly (a dependency already) and rendered by Debian's chromium through playwright
(the dev group's; the quality report's browser test uses the same pair): no new package for a
PNG. The figure's HTML carries plotly.js inline, so nothing is fetched.
"""

from __future__ import annotations

from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
WIDTH, HEIGHT = 1100, 1100


def figure(results: dict):
    from plotly.subplots import make_subplots

    days = results["days"]
    x = [d["day"] for d in days]
    fig = make_subplots(
        rows=4,
        cols=1,
        shared_xaxes=True,
        subplot_titles=("wall and CPU seconds", "peak RSS (MB)", "warehouse and lake (MB)", "rows"),
    )
    fig.add_scatter(x=x, y=[d["seconds"] for d in days], name="wall s", row=1, col=1)
    fig.add_scatter(x=x, y=[d["cpu_s"] for d in days], name="CPU s", row=1, col=1)
    fig.add_scatter(x=x, y=[d["peak_rss_mb"] for d in days], name="peak RSS MB", row=2, col=1)
    fig.add_scatter(x=x, y=[d["warehouse_bytes"] / 1e6 for d in days], name="warehouse MB", row=3, col=1)
    fig.add_scatter(x=x, y=[d["lake_bytes"] / 1e6 for d in days], name="lake MB", row=3, col=1)
    fig.add_scatter(x=x, y=[d["raw_rows"] for d in days], name="raw rows", row=4, col=1)
    fig.add_scatter(x=x, y=[d["warehouse_rows"] for d in days], name="warehouse rows", row=4, col=1)
    fig.add_scatter(x=x, y=[d["curated_rows"] for d in days], name="curated rows", row=4, col=1)
    fig.update_xaxes(dtick=1)
    p = results["params"]
    fig.update_layout(
        title=f"soak: {p['persons']:,} persons, {p['days']} days (day 0: the history) — {results['commit'][:12]}",
        width=WIDTH,
        height=HEIGHT,
    )
    fig.update_xaxes(title_text="day", row=4, col=1)
    return fig


def write_plot(results: dict, png: Path) -> str:
    """Write the PNG; a sentence saying where, or why not (no chromium or playwright)."""
    if not Path(CHROMIUM).exists():
        return f"no plot: {CHROMIUM} is missing (`make browser` installs it)"
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return "no plot: playwright is missing (the dev dependency group has it: `make env`)"
    html = figure(results).to_html(include_plotlyjs=True, full_html=True)
    png.parent.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": WIDTH, "height": HEIGHT})
            page.set_content(html, wait_until="load")
            page.wait_for_selector(".main-svg")
            page.locator(".plotly-graph-div").screenshot(path=str(png))
        finally:
            browser.close()
    return f"plot: {png}"
