"""The gateway's console (sharing/gateway/console) in Debian's chromium through playwright.

One generated city (300 persons, seed 11) goes through `govlake run`; one resource's title is
made hostile (markup that would run script) in the published directory; the gateway serves the
console on loopback. An analyst signs in, searches the directory, picks a resource, runs the
query the console writes, sees masked values and downloads the answer as CSV; a consumer pages
through the rows of its grant and has no SQL editor; a bad token and a token revoked mid-session
bring the sign-in back with the gateway's reason; hostile text shows as text and runs nothing.
Every page's console and requests are recorded: no error, nothing leaves 127.0.0.1, no unmasked
ID number or mobile on any page.
"""

from __future__ import annotations

import json
import re
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlparse

import httpx
import pandas as pd
import pyarrow.parquet as pq
import pytest

from govlake.pii import find_unmasked
from sharing.access import AccessSnapshot, Grant, Token, hash_token, write_snapshot
from sharing.gateway.app import create_app
from sharing.gateway.config import load_config
from sharing.published import NOT_PERSONAL, NOT_SHARED, directory_file, read_layer
from tests.gateway_fixtures import serving
from tests.lake_fixtures import run_generated_city

pytestmark = pytest.mark.slow

PERSONS, SEED = 300, 11
CHROMIUM = "/usr/bin/chromium"
ROW_LIMIT = 50  # below the 100 rows the console's query asks for: the answer is cut
HOSTILE = "<img src=x onerror=alert(document.domain)>"
SECRETS = {"analyst": "glk_console_analyst", "rsj": "glk_console_rsj", "late": "glk_console_late"}
GRANTED = ("person_id", "name", "mobile", "birth_date", "gender")
FUTURE = (datetime.now(UTC) + timedelta(days=30)).isoformat(timespec="seconds")
MODELS = {"person": "base_population__person", "household": "base_population__household",
          "indicator": "base_macro_economy__indicator", "parcel": "base_spatial__land_parcel"}  # fmt: skip
BASIS = "涉及不动产权利人信息，依据《不动产登记暂行条例》"  # made 不予共享 (parcel) for the test
NETWORK_NOTICE = re.compile(r"^Failed to load resource: the server responded with a status of 4\d\d")


def _access(codes: dict, late: bool = True) -> AccessSnapshot:
    tokens = [
        Token("TKN-analyst", hash_token(SECRETS["analyst"]), "王分析", "analyst"),
        Token("TKN-rsj", hash_token(SECRETS["rsj"]), "rsj", "consumer"),
    ]
    if late:
        tokens.append(Token("TKN-late", hash_token(SECRETS["late"]), "mzj", "consumer"))
    grant = Grant("GRT-00001", "rsj", codes["person"], GRANTED, (), "社保待遇资格核验", "社会保险法", expires_at=FUTURE,
                  granted_at=datetime.now(UTC).isoformat(timespec="seconds"))  # fmt: skip
    return AccessSnapshot(tokens=tuple(tokens), grants=(grant,))


@pytest.fixture(scope="module")
def city(tmp_path_factory):
    root = tmp_path_factory.mktemp("console")
    lake, _ = run_generated_city(root, PERSONS, SEED, defect_rate=0.0)
    layer = read_layer(lake)
    codes = {key: r.code for r in layer.resources.values() for key, m in MODELS.items() if r.name == m}
    codes["source"] = min(r.code for r in layer.resources.values() if r.kind == "source")  # no rows served
    path = directory_file(lake)
    directory = json.loads(path.read_text(encoding="utf-8"))
    for r in directory["resources"]:
        if r["code"] == codes["indicator"]:
            r["title"] += HOSTILE  # a value in the lake may be hostile: the console must show it as text
        if r["code"] == codes["parcel"]:
            r["sharing"], r["sharing_condition"] = NOT_SHARED, BASIS
    path.write_text(json.dumps(directory, ensure_ascii=False), encoding="utf-8")
    write_snapshot(lake, _access(codes))
    config = load_config(sql__row_limit=ROW_LIMIT, rate_limit__burst=10_000)
    with serving(create_app(lake, config)) as url, httpx.Client(base_url=url, timeout=60) as client:
        yield {"lake": lake, "url": url, "codes": codes, "directory": directory["resources"], "api": client}
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make browser` installs Debian's chromium and a CJK font")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            yield browser
        finally:
            browser.close()


class Tab:
    """The console in a fresh browser context (its own sessionStorage), with what it logged,
    requested and was asked to show in a dialog."""

    def __init__(self, browser, url: str):
        self.messages, self.requests, self.dialogs, self.refusals = [], [], [], []
        self.context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
        self.page = self.context.new_page()
        self.page.on("console", lambda m: self.messages.append((m.type, m.text)))
        self.page.on("pageerror", lambda e: self.messages.append(("pageerror", str(e))))
        self.page.on("request", lambda r: self.requests.append((r.url, r.headers.get("authorization"))))
        self.page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        self.page.on("response", lambda r: self.refusals.append(r.url) if r.status >= 400 else None)
        self.response = self.page.goto(f"{url}/console/", wait_until="load")
        self.page.wait_for_selector("#sign-in", state="visible")
        self.texts: list[str] = []

    def sign_in(self, secret: str, then: str = "#app") -> None:
        self.page.fill("#token", secret)
        self.page.click("#sign-in-button")
        self.page.wait_for_selector(then, state="visible")

    def pick(self, code: str, ready: str) -> None:
        self.page.click(f'#resources li[data-code="{code}"] button')
        self.page.wait_for_function(ready)

    def run(self, sql: str | None = None) -> None:
        if sql is not None:
            self.page.fill("#sql", sql)
        self.page.evaluate("() => { document.getElementById('query-status').textContent = '' }")
        self.page.focus("#sql")
        self.page.keyboard.press("Control+Enter")
        self.page.wait_for_function(
            "() => { const s = document.getElementById('query-status').textContent;"
            " return (s && !s.startsWith('运行中')) || !document.getElementById('query-error').hidden }"
        )

    def table(self, selector: str) -> dict:
        return self.page.evaluate(
            """(sel) => { const t = document.querySelector(sel); return {
                columns: [...t.tHead.querySelectorAll('th')].map(th => th.textContent),
                rows: [...t.tBodies[0].rows].map(tr => [...tr.cells].map(td => td.textContent)),
                images: t.querySelectorAll('img').length}; }""",
            selector,
        )

    def text(self, selector: str) -> str:
        return self.page.inner_text(selector)

    def visible(self, selector: str) -> bool:
        return self.page.is_visible(selector)

    def keep_text(self) -> None:
        """The page's whole text now, for the scan of what was shown."""
        self.texts.append(self.page.evaluate("() => document.body.innerText"))

    def close(self) -> None:
        self.keep_text()
        self.context.close()


def _column(table: dict, name: str) -> list[str]:
    i = table["columns"].index(name)
    return [row[i] for row in table["rows"]]


@pytest.fixture(scope="module")
def analyst(city, browser, tmp_path_factory):
    """An analyst's session: sign in, search, pick 人员基础信息, run its query, download the CSV,
    run a refused statement, sign out."""
    tab, seen = Tab(browser, city["url"]), {}
    seen["tab"] = tab
    tab.sign_in(SECRETS["analyst"])
    seen["who"] = (tab.text("#who-holder"), tab.text("#who-role"))
    seen["site_link"] = tab.page.get_attribute("nav a[href^='/site/']", "href")
    seen["sql_editor"] = tab.visible("#query")
    tab.page.fill("#search", "人员")
    seen["search"] = tab.page.evaluate(
        "() => [...document.querySelectorAll('#resources li')].filter(li => !li.hidden).map(li => li.dataset.code)"
    )
    seen["count"] = tab.text("#count")
    tab.pick(city["codes"]["person"], "() => document.querySelector('#items tbody tr')")
    seen["items"] = tab.table("#items")
    seen["editor"] = tab.page.input_value("#sql")
    tab.run()
    seen["result"], seen["status"] = tab.table("#result"), tab.text("#query-status")
    tab.keep_text()
    with tab.page.expect_download() as download:
        tab.page.click("#download")
    saved = tmp_path_factory.mktemp("download") / "answer.csv"
    download.value.save_as(saved)
    seen["download"] = (download.value.suggested_filename, saved)
    tab.run("DROP VIEW population.base_population__person")
    seen["refused"] = tab.text("#query-error")
    tab.keep_text()
    tab.page.click("#sign-out")
    tab.page.wait_for_selector("#sign-in", state="visible")
    seen["after_sign_out"] = (tab.visible("#app"), tab.page.evaluate("() => sessionStorage.length"))
    tab.close()
    return seen


@pytest.fixture(scope="module")
def consumer(city, browser):
    """A consumer's session: the directory's access labels, two pages of its grant, a resource it
    has no grant for."""
    tab, seen = Tab(browser, city["url"]), {}
    seen["tab"] = tab
    tab.sign_in(SECRETS["rsj"])
    seen["sql_editor"], seen["rows_view"] = tab.visible("#query"), tab.visible("#browse")
    seen["labels"] = {
        key: tab.text(f'#resources li[data-code="{code}"] .access') for key, code in city["codes"].items()
    }
    seen["reasons"] = {
        key: tab.page.evaluate(f"""() => document.querySelector('#resources li[data-code="{code}"] .reason')
                                 ?.textContent ?? null""")
        for key, code in city["codes"].items()
    }
    tab.pick(city["codes"]["person"], "() => document.querySelectorAll('#rows tbody tr').length > 0")
    seen["page1"], seen["status1"] = tab.table("#rows"), tab.text("#rows-status")
    tab.page.click("#rows-next")
    tab.page.wait_for_function("() => document.getElementById('rows-status').textContent.startsWith('第 2 ')")
    seen["page2"] = tab.table("#rows")
    tab.keep_text()
    tab.pick(city["codes"]["household"], "() => !document.getElementById('rows-error').hidden")
    seen["no_grant"] = tab.text("#rows-error")
    seen["no_grant_rows"] = tab.table("#rows")["rows"]
    tab.close()
    return seen


@pytest.fixture(scope="module")
def hostile(city, browser):
    """An analyst looking at a hostile title and running a query whose value is markup."""
    tab, seen = Tab(browser, city["url"]), {}
    seen["tab"] = tab
    tab.sign_in(SECRETS["analyst"])
    code = city["codes"]["indicator"]
    seen["title"] = tab.text(f'#resources li[data-code="{code}"] .title')
    seen["directory_images"] = tab.page.evaluate("() => document.querySelectorAll('#resources img').length")
    tab.run(f"SELECT '{HOSTILE}' AS x")
    seen["result"] = tab.table("#result")
    seen["images"] = tab.page.evaluate("() => document.querySelectorAll('img').length")
    tab.close()
    return seen


@pytest.fixture(scope="module")
def refused(city, browser):
    """A bad token at the sign-in; a token revoked while its holder is signed in."""
    seen = {}
    bad = seen["bad_tab"] = Tab(browser, city["url"])
    bad.sign_in("glk_not_a_token", then="#sign-in-error")
    seen["bad"] = (bad.text("#sign-in-error"), bad.visible("#app"))
    bad.close()
    late = seen["late_tab"] = Tab(browser, city["url"])
    late.sign_in(SECRETS["late"])
    write_snapshot(city["lake"], _access(city["codes"], late=False))
    try:
        seen["late_reason"] = _reason(
            city["api"].get("/resources", headers={"Authorization": f"Bearer {SECRETS['late']}"})
        )
        late.pick(city["codes"]["indicator"], "() => !document.getElementById('sign-in').hidden")
    finally:
        write_snapshot(city["lake"], _access(city["codes"]))
    seen["late"] = (late.text("#sign-in-error"), late.visible("#app"))
    late.close()
    return seen


def _tabs(*sessions) -> list[Tab]:
    return [tab for seen in sessions for key, tab in seen.items() if key.endswith("tab")]


def _reason(answer: httpx.Response) -> str:
    return answer.json()["reason"]


# -- the console as served -------------------------------------------------------------------------


def test_the_console_is_served_with_a_policy_that_runs_only_its_own_files(analyst):
    response = analyst["tab"].response
    assert response.ok
    policy = response.headers["content-security-policy"]
    assert "default-src 'self'" in policy and "script-src 'self'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy


def test_the_console_links_the_catalog_site_and_the_site_is_served(city, analyst):
    answer = city["api"].get(analyst["site_link"])
    assert answer.status_code == 200 and "资源目录" in answer.text


# -- signing in and out ----------------------------------------------------------------------------


def test_signing_in_shows_the_tokens_holder_and_role(analyst):
    assert analyst["who"] == ("王分析", "analyst")


def test_the_token_travels_only_in_the_authorization_header(analyst):
    calls = [
        (url, auth) for url, auth in analyst["tab"].requests if urlparse(url).path.startswith(("/resources", "/sql"))
    ]
    assert calls and all(auth == f"Bearer {SECRETS['analyst']}" for _, auth in calls)
    assert not [url for url, _ in analyst["tab"].requests if SECRETS["analyst"] in url]


def test_signing_out_forgets_the_token(analyst):
    assert analyst["after_sign_out"] == (False, 0)


def test_a_bad_token_is_refused_at_the_sign_in_with_the_gateways_reason(city, refused):
    text, app_visible = refused["bad"]
    reason = _reason(city["api"].get("/resources", headers={"Authorization": "Bearer glk_not_a_token"}))
    assert reason in text and not app_visible


def test_a_token_revoked_while_signed_in_brings_the_sign_in_back_with_the_reason(city, refused):
    text, app_visible = refused["late"]
    assert refused["late_reason"] in text and not app_visible


# -- the directory ---------------------------------------------------------------------------------


def test_a_search_lists_the_resources_whose_code_or_title_holds_it(city, analyst):
    expected = [
        r["code"]
        for r in sorted(city["directory"], key=lambda r: r["code"])
        if any("人员" in (r.get(k) or "") for k in ("code", "title", "title_en"))
    ]
    assert analyst["search"] == expected and city["codes"]["person"] in expected
    assert analyst["count"] == str(len(expected)) and len(expected) < len(city["directory"])


def test_each_resource_shows_how_the_caller_may_read_it(city, consumer):
    labels, reasons = consumer["labels"], consumer["reasons"]
    assert labels["person"].startswith("已授权") and "GRT-00001" in labels["person"]
    assert labels["indicator"].startswith("无条件共享")
    assert labels["household"].startswith("需申请")
    assert labels["parcel"].startswith("不予共享") and BASIS in reasons["parcel"]
    assert labels["source"].startswith("无数据服务")
    rows = city["api"].get(
        f"/resources/{city['codes']['household']}/rows", headers={"Authorization": f"Bearer {SECRETS['rsj']}"}
    )
    assert rows.status_code == 403 and reasons["household"] == _reason(rows)


def test_a_picked_resource_shows_its_items_and_which_are_masked(city, analyst):
    (doc,) = [r for r in city["directory"] if r["code"] == city["codes"]["person"]]
    shown = {row[0]: row[3] for row in analyst["items"]["rows"]}
    assert list(shown) == [i["name"] for i in doc["items"]]
    for i in doc["items"]:
        assert shown[i["name"]].startswith("原值" if i["sensitivity"] == NOT_PERSONAL else "脱敏"), i


def test_a_picked_resource_puts_a_query_over_its_analysts_view_in_the_editor(city, analyst):
    (doc,) = [r for r in city["directory"] if r["code"] == city["codes"]["person"]]
    relation = read_layer(city["lake"]).resource(city["codes"]["person"]).relation
    assert analyst["editor"].startswith("SELECT ") and f"FROM {relation}" in analyst["editor"]
    assert analyst["result"]["columns"] == [i["name"] for i in doc["items"]]


# -- the SQL editor ---------------------------------------------------------------------------------


def test_a_query_shows_personal_values_masked_never_whole(city, analyst):
    ids = _column(analyst["result"], "person_id")
    raw = {r["person_id"] for r in pq.read_table(read_layer(city["lake"]).resource(city["codes"]["person"]).parquet)
           .select(["person_id"]).to_pylist()}  # fmt: skip
    assert len(ids) == ROW_LIMIT and all("********" in v for v in ids)
    assert not raw & set(ids)
    assert any("****" in v for v in _column(analyst["result"], "mobile"))


def test_a_query_answer_says_its_rows_seconds_and_that_it_was_cut(analyst):
    status = analyst["status"]
    assert f"{ROW_LIMIT} 行" in status and "秒" in status
    assert f"truncated at {ROW_LIMIT}" in status


def test_the_csv_download_holds_the_answer_shown(analyst):
    name, saved = analyst["download"]
    frame = pd.read_csv(saved, dtype=str, keep_default_na=False)
    shown = analyst["result"]
    assert name.endswith(".csv")
    assert list(frame.columns) == shown["columns"] and len(frame) == len(shown["rows"])
    assert list(frame["person_id"]) == _column(shown, "person_id")


def test_a_refused_statement_shows_the_gateways_reason(city, analyst):
    answer = city["api"].post(
        "/sql",
        json={"sql": "DROP VIEW population.base_population__person"},
        headers={"Authorization": f"Bearer {SECRETS['analyst']}"},
    )
    assert answer.status_code == 400 and analyst["refused"] == _reason(answer)


# -- consumers ---------------------------------------------------------------------------------------


def test_a_consumer_has_no_sql_editor_but_a_rows_view(consumer):
    assert consumer["sql_editor"] is False and consumer["rows_view"] is True


def test_a_consumer_pages_through_the_rows_of_its_grant_masked(city, consumer):
    headers = {"Authorization": f"Bearer {SECRETS['rsj']}"}
    path = f"/resources/{city['codes']['person']}/rows"
    for page, shown in ((1, consumer["page1"]), (2, consumer["page2"])):
        expected = city["api"].get(path, headers=headers, params={"page": page, "page_size": 50}).json()
        assert shown["columns"] == list(GRANTED)
        assert _column(shown, "person_id") == [r["person_id"] for r in expected["rows"]]
    assert all("********" in v for v in _column(consumer["page1"], "person_id"))
    assert "GRT-00001" in consumer["status1"]


def test_a_resource_without_a_grant_shows_the_reason_and_no_rows(city, consumer):
    rows = city["api"].get(
        f"/resources/{city['codes']['household']}/rows", headers={"Authorization": f"Bearer {SECRETS['rsj']}"}
    )
    assert consumer["no_grant"] == _reason(rows) and consumer["no_grant_rows"] == []


# -- hostile values ------------------------------------------------------------------------------------


def test_a_hostile_title_is_shown_as_text_and_runs_nothing(hostile):
    assert hostile["title"].endswith(HOSTILE)
    assert hostile["directory_images"] == 0 and hostile["tab"].dialogs == []


def test_a_hostile_value_in_a_query_answer_is_shown_as_text_and_runs_nothing(hostile):
    assert hostile["result"]["rows"] == [[HOSTILE]] and hostile["result"]["images"] == 0
    assert hostile["images"] == 0 and hostile["tab"].dialogs == []


def test_the_api_docs_render_every_endpoint_from_the_gateway_alone(city, browser):
    context = browser.new_context()
    page = context.new_page()
    requested = []
    page.on("request", lambda r: requested.append(r.url))
    try:
        page.goto(f"{city['url']}/api/docs", wait_until="load")
        page.wait_for_selector(".opblock-summary-path", state="visible")
        paths = set(page.eval_on_selector_all(".opblock-summary-path", "els => els.map(e => e.dataset.path)"))
    finally:
        context.close()
    assert {"/resources", "/resources/{cls}/{seq}/rows", "/sql"} <= paths
    assert {urlparse(url).hostname for url in requested} == {"127.0.0.1"}


# -- every page ---------------------------------------------------------------------------------------


def test_no_page_logs_an_error_or_requests_anything_off_loopback(analyst, consumer, hostile, refused):
    for tab in _tabs(analyst, consumer, hostile, refused):
        errors = [m for m in tab.messages if m[0] in ("error", "pageerror") and not NETWORK_NOTICE.match(m[1])]
        assert errors == [], tab.messages
        # the browser's own notice of each refused request the page then explains, and only those
        notices = [m for m in tab.messages if m[0] == "error" and NETWORK_NOTICE.match(m[1])]
        assert len(notices) == len(tab.refusals), (tab.messages, tab.refusals)
        hosts = {urlparse(url.removeprefix("blob:")).hostname for url, _ in tab.requests}
        assert hosts == {"127.0.0.1"}, tab.requests


def test_no_page_shows_an_unmasked_id_number_or_mobile(analyst, consumer, hostile, refused):
    texts = [text for tab in _tabs(analyst, consumer, hostile, refused) for text in tab.texts]
    assert len(texts) >= 6 and any("********" in t for t in texts)
    assert [run for text in texts for run in find_unmasked(text)] == []
