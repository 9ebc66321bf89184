"""The site's pages and its search index, rendered from SiteData (catalog/site/data.py).

    files = render(data, generated_at)     # {relative path: text}: index.html, changes.html,
                                           # resources/<code>.html, departments/<code>.html,
                                           # assets/site.css, assets/search.js, assets/index.js

Every value a page prints passes through govlake.pii.mask_text (the environment's finalize),
on top of the sample rows' masking by sensitivity. Links are relative, so the directory can be
opened from disk (file://), copied or served as it is. The search index is a script
(window.INDEX = […]) loaded by <script src>: a page opened from disk may not fetch() a file.
"""

from __future__ import annotations

import json
from pathlib import Path

import jinja2
import markupsafe

from catalog.site.data import SiteData
from catalog.site.lineage import Node, lineage_svg
from govlake.pii import mask_text, mask_value

TEMPLATES = Path(__file__).with_name("templates")
DIMENSIONS = (
    ("completeness", "完整性"),
    ("conformity", "规范性"),
    ("accuracy", "准确性"),
    ("consistency", "一致性"),
    ("timeliness", "时效性"),
    ("accessibility", "可访问性"),
    ("overall", "综合"),
)
FILTERS = ("department", "library", "sharing", "opening", "grade")


def page_name(code: str) -> str:
    """A resource's page under resources/: its code with the slash replaced (101001-000001.html)."""
    return code.replace("/", "-") + ".html"


def _masked(value):
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
_env.filters["num"] = lambda v: "—" if v is None else f"{v:,}" if isinstance(v, int) else v
_env.filters["score"] = lambda v: "—" if v is None else f"{v:.2f}"
_env.filters["page"] = page_name
_env.filters["zip"] = lambda first, *others: list(zip(first, *others))


def _quality_table(rows: list[dict]) -> list[dict]:
    """One row per source (its latest batch), a score per dimension."""
    table: dict[tuple, dict] = {}
    for q in rows:
        table.setdefault((q["source_id"], q["batch"]), {})[q["dimension"]] = q["score"]
    return [{"source_id": s, "batch": b, "scores": scores} for (s, b), scores in sorted(table.items())]


def search_index(data: SiteData) -> list[dict]:
    """One entry per resource: what the search matches (names, summary, 信息项, lower case) and
    what the filters compare."""
    out = []
    for r in data.resources:
        words = [r["code"], r["name"], r["title"], r["title_en"], r["summary"], *r["provider_names"]]
        for i in r["items"]:
            words += [i["name"], i["name_zh"], i["name_en"]]
        out.append(
            {
                "code": r["code"],
                "href": f"resources/{page_name(r['code'])}",
                "text": mask_text(" ".join(w for w in words if w).lower()),
                "department": r["providers"],
                "library": r["library"],
                "sharing": r["sharing"],
                "opening": r["opening"],
                "grade": r["grade"],
            }
        )
    return out


def _filters(data: SiteData) -> dict[str, list[tuple[str, str]]]:
    """Each filter's choices: (value, label)."""
    values = {f: sorted({r[f] for r in data.resources if r[f]}) for f in FILTERS if f != "department"}
    return {
        "department": [(d["code"], f"{d['name']} {d['code']}") for d in data.departments],
        **{f: [(v, v) for v in vs] for f, vs in values.items()},
    }


def _lineage(r: dict, titles: dict[str, str]) -> markupsafe.Markup:
    def node(code: str) -> Node:
        return Node(code, titles.get(code, ""))

    def href(code: str) -> str | None:
        return page_name(code) if code in titles else None  # a resource not on the site has no page

    return lineage_svg(
        node(r["code"]), [node(c) for c in sorted(r["upstream"])], [node(c) for c in sorted(r["downstream"])], href
    )


def render(data: SiteData, generated_at: str) -> dict[str, str]:
    titles = {r["code"]: r["title"] for r in data.resources}
    by_code = {r["code"]: r for r in data.resources}
    common = {"generated_at": generated_at, "dimensions": DIMENSIONS, "titles": titles}
    files = {
        "index.html": _env.get_template("index.html.j2").render(
            resources=data.resources, filters=_filters(data), departments=data.departments, **common
        ),
        "changes.html": _env.get_template("changes.html.j2").render(
            changes=data.changes, versions=data.versions, **common
        ),
        "assets/site.css": (TEMPLATES / "site.css").read_text(encoding="utf-8"),
        "assets/search.js": (TEMPLATES / "search.js").read_text(encoding="utf-8"),
        "assets/index.js": "window.INDEX = " + json.dumps(search_index(data), ensure_ascii=False) + ";\n",
    }
    resource_page = _env.get_template("resource.html.j2")
    for r in data.resources:
        files[f"resources/{page_name(r['code'])}"] = resource_page.render(
            r=r, quality=_quality_table(r["quality"]), lineage=_lineage(r, titles), **common
        )
    department_page = _env.get_template("department.html.j2")
    for d in data.departments:
        files[f"departments/{d['code']}.html"] = department_page.render(
            d=d,
            provides=[by_code[c] for c in d["provides"]],
            consumes=[by_code[c] for c in d["consumes"]],
            quality=_quality_table(d["quality"]),
            **common,
        )
    return files
