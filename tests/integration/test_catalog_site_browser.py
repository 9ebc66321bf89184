"""The directory's offline site of a generated city, opened in a real headless browser.

One city (400 persons, seed 5) goes through `govlake run`, which builds the directory and writes
the site under <lake>/reports/catalog/. Debian's chromium, driven by playwright, opens it from
disk: a search for 信用代码 lists the enterprise resources, the filters narrow the list, a
resource page shows every published 信息项 and a drawn lineage graph, no page logs a console
error or requests anything outside file://. The search's time per query is measured in the
browser and written to bench/results/catalog_site_search.json (recorded, not asserted). Every
file of the site is scanned: no unmasked ID number or mobile, no person's ID or name in clear.
"""

from __future__ import annotations

import json
import platform
import shutil
import statistics
from datetime import UTC, datetime
from pathlib import Path

import pytest

from govlake.pii import find_unmasked
from tests.lake_fixtures import run_generated_city
from tests.lake_fixtures import warehouse_rows as _rows

pytestmark = pytest.mark.slow

PERSONS, SEED = 400, 5
CHROMIUM = "/usr/bin/chromium"
ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "bench" / "results" / "catalog_site_search.json"
ENTERPRISE = ("base_legal_entity__enterprise", "scjg.enterprise_register", "swj.taxpayer")
PERSON = "base_population__person"
QUERIES = ("信用代码", "身份号码", "人员", "企业", "地址", "专利", "低保", "社会保险", "宗地", "证照", "冲突",
           "统计", "户籍", "死亡", "person", "enterprise", "credit", "patent", "address", "region code")  # fmt: skip
REPEAT = 50  # a query over ~44 resources takes less than performance.now()'s resolution: time 50 and divide


@pytest.fixture(scope="module")
def city(tmp_path_factory):
    root = tmp_path_factory.mktemp("site")
    lake, output = run_generated_city(root, PERSONS, SEED)
    yield {
        "lake": lake,
        "output": output,
        "site": lake.reports / "catalog",
        "resources": {r["name"]: r for r in _rows(lake, "SELECT * FROM catalog.resources")},
    }
    shutil.rmtree(root, ignore_errors=True)


def _page_name(code: str) -> str:
    return code.replace("/", "-") + ".html"


class Tab:
    """One page opened from disk, with what it logged and requested."""

    def __init__(self, browser, path: Path):
        self.messages, self.requests = [], []
        self.page = browser.new_page(viewport={"width": 1400, "height": 1000})
        self.page.on("console", lambda m: self.messages.append((m.type, m.text)))
        self.page.on("pageerror", lambda e: self.messages.append(("pageerror", str(e))))
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.response = self.page.goto(path.as_uri(), wait_until="load")

    def visible_codes(self) -> list[str]:
        return self.page.evaluate(
            "() => [...document.querySelectorAll('#resources tbody tr')].filter(tr => !tr.hidden)"
            ".map(tr => tr.dataset.code)"
        )


SEARCH_TIMING = """([queries, repeat]) => {
    const input = document.getElementById('search');
    return queries.map(q => {
        let t0 = performance.now(), found = 0;
        for (let i = 0; i < repeat; i++) found = window.govlakeSearch(q, {}).length;
        const search_ms = (performance.now() - t0) / repeat;
        t0 = performance.now();
        for (let i = 0; i < repeat; i++) { input.value = q; input.dispatchEvent(new Event('input')); }
        const update_ms = (performance.now() - t0) / repeat;
        return {query: q, found, search_ms, update_ms};
    });
}"""


@pytest.fixture(scope="module")
def browsed(city):
    """What the browser saw on the index (search, filters, timing), a resource page, a
    department page and the change log."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make browser` installs Debian's chromium and a CJK font")
    from playwright.sync_api import sync_playwright

    site, resources = city["site"], city["resources"]
    person = resources[PERSON]
    seen: dict = {"tabs": {}}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            seen["browser"] = browser.version
            index = seen["tabs"]["index"] = Tab(browser, site / "index.html")
            seen["all"] = index.visible_codes()
            index.page.fill("#search", "信用代码")
            seen["credit"] = index.visible_codes()
            seen["count"] = index.page.inner_text("#count")
            index.page.fill("#search", "")
            index.page.select_option("#filter-department", "tjj")
            seen["tjj"] = index.visible_codes()
            index.page.select_option("#filter-department", "")
            index.page.select_option("#filter-opening", "无条件开放")
            seen["open"] = index.visible_codes()
            index.page.fill("#search", "信用代码")
            seen["open_credit"] = index.visible_codes()
            index.page.select_option("#filter-opening", "")
            seen["timing"] = index.page.evaluate(SEARCH_TIMING, [list(QUERIES), REPEAT])
            page = seen["tabs"]["resource"] = Tab(browser, site / "resources" / _page_name(person["code"]))
            seen["person"] = page.page.evaluate("""() => ({
                items: [...document.querySelectorAll('#items tbody tr')].map(tr => tr.dataset.item),
                nodes: [...document.querySelectorAll('svg.lineage g.node')].map(g => ({
                    code: g.dataset.code, role: g.getAttribute('class'),
                    width: g.getBBox().width, height: g.getBBox().height})),
                edges: document.querySelectorAll('svg.lineage path.edge').length,
                samples: document.querySelectorAll('#samples tbody tr').length,
                quality: document.querySelectorAll('#quality tbody tr').length,
            })""")
            seen["tabs"]["department"] = Tab(browser, site / "departments" / "scjg.html")
            seen["tabs"]["changes"] = Tab(browser, site / "changes.html")
            seen["changes"] = seen["tabs"]["changes"].page.evaluate(
                "() => document.querySelectorAll('#changes tbody tr').length"
            )
        finally:
            browser.close()
    return seen


def test_the_pipeline_writes_the_site_and_says_where(city):
    assert str(city["site"] / "index.html") in " ".join(city["output"].split())
    assert (city["site"] / "index.html").is_file()


def test_every_published_resource_is_listed(browsed, city):
    published = {r["code"] for r in _rows(city["lake"], "SELECT code FROM catalog.published")}
    assert set(browsed["all"]) == published and published


def test_searching_a_part_of_a_chinese_item_name_lists_the_enterprise_resources(browsed, city):
    codes = {city["resources"][name]["code"] for name in ENTERPRISE}
    assert codes <= set(browsed["credit"])
    assert browsed["count"] == str(len(browsed["credit"]))
    person = city["resources"][PERSON]["code"]
    assert person not in browsed["credit"]  # a search narrows the list


def test_a_filter_keeps_only_the_resources_with_that_value(browsed, city):
    tjj = {r["code"] for r in city["resources"].values() if "tjj" in r["providers"]}
    assert tjj and set(browsed["tjj"]) == tjj
    published = {
        r["code"]: json.loads(r["state"]) for r in _rows(city["lake"], "SELECT code, state FROM catalog.published")
    }
    opened = {code for code, s in published.items() if s["opening"] == "无条件开放"}
    assert opened and set(browsed["open"]) == opened
    assert set(browsed["open_credit"]) == opened & set(browsed["credit"])  # search and filter together


def test_a_resource_page_shows_every_published_item(browsed, city):
    code = city["resources"][PERSON]["code"]
    (state,) = [json.loads(r["state"]) for r in _rows(city["lake"], f"SELECT state FROM catalog.published "
                                                                    f"WHERE code = '{code}'")]  # fmt: skip
    assert sorted(browsed["person"]["items"]) == sorted(state["items"]) and state["items"]
    assert browsed["person"]["samples"] == 5 and browsed["person"]["quality"] >= 1


def test_a_resource_page_draws_its_lineage_graph(browsed, city):
    person = city["resources"][PERSON]
    nodes = browsed["person"]["nodes"]
    by_role = {role: sorted(n["code"] for n in nodes if role in n["role"]) for role in ("upstream", "downstream")}
    assert by_role == {"upstream": sorted(person["upstream"]), "downstream": sorted(person["downstream"])}
    assert person["upstream"] and person["downstream"]
    assert all(n["width"] > 0 and n["height"] > 0 for n in nodes)  # drawn, not just in the markup
    assert browsed["person"]["edges"] == len(person["upstream"]) + len(person["downstream"])


def test_the_change_log_lists_every_change(browsed, city):
    assert browsed["changes"] == len(_rows(city["lake"], "SELECT change_id FROM catalog.changes")) > 0


def test_no_page_logs_an_error_or_requests_anything_outside_file(browsed):
    for name, tab in browsed["tabs"].items():
        assert tab.response.ok, name
        assert not [m for m in tab.messages if m[0] in ("error", "pageerror")], (name, tab.messages)
        assert tab.requests and all(u.startswith("file://") for u in tab.requests), (name, tab.requests)


def test_the_search_time_per_query_is_measured_and_written_to_the_results(browsed, city):
    timing = browsed["timing"]
    assert [t["query"] for t in timing] == list(QUERIES)
    results = {
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "what": "the directory site's search in headless chromium: window.govlakeSearch(query) alone, and the "
        "whole input event (search + showing/hiding the list's rows), each the mean of "
        f"{REPEAT} repetitions (performance.now() is coarser than one search)",
        "machine": {"cpus": 2, "python": platform.python_version(), "platform": platform.platform()},
        "browser": f"chromium {browsed['browser']}",
        "city": {"persons": PERSONS, "seed": SEED, "resources": len(browsed["all"])},
        "queries": timing,
        "search_ms": {"median": statistics.median(t["search_ms"] for t in timing),
                      "max": max(t["search_ms"] for t in timing)},
        "update_ms": {"median": statistics.median(t["update_ms"] for t in timing),
                      "max": max(t["update_ms"] for t in timing)},
    }  # fmt: skip
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    assert all(t["search_ms"] >= 0 and t["update_ms"] >= 0 for t in timing)
    assert json.loads(RESULTS.read_text(encoding="utf-8"))["queries"] == timing


def _site_text(site: Path) -> dict[Path, str]:
    return {p: p.read_text(encoding="utf-8") for p in sorted(site.rglob("*")) if p.is_file()}


def test_no_file_of_the_site_holds_an_unmasked_id_number_or_mobile(city):
    files = _site_text(city["site"])
    assert len(files) > 40
    found = [(p.name, run) for p, text in files.items() for run in find_unmasked(text)]
    assert found == []


def test_no_person_of_the_city_is_named_or_identified_in_clear(city):
    people = _rows(city["lake"], f"SELECT person_id, name FROM base.{PERSON}")
    ids = {p["person_id"] for p in people}
    names = {p["name"] for p in people if p["name"]}
    assert len(ids) >= PERSONS * 0.9 and names
    text = "\n".join(_site_text(city["site"]).values())
    assert [i for i in ids if i in text] == []
    assert sorted(n for n in names if n in text) == []
