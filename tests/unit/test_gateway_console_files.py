"""The console's files as the gateway serves them: a policy that runs only the console's own
files, and pages that give that policy nothing to refuse (the browser test,
tests/integration/test_gateway_console.py, drives them)."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from fastapi.testclient import TestClient

from govlake.settings import Lake
from sharing.gateway.app import CONSOLE, create_app

MARKUP_SINKS = (
    "innerHTML",
    "outerHTML",
    "insertAdjacentHTML",
    "document.write",
    "eval(",
    "new Function",
    'setTimeout("',
)


class _Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.script_text = ""
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._in_script = tag == "script"

    def handle_endtag(self, tag):
        self._in_script = False

    def handle_data(self, data):
        if self._in_script:
            self.script_text += data.strip()


@pytest.fixture
def client(tmp_path):
    return TestClient(create_app(Lake(tmp_path / "lake")))


@pytest.mark.parametrize("path", ["/console/", "/console/console.js", "/console/console.css", "/console/missing"])
def test_every_console_answer_carries_a_policy_that_runs_only_its_own_files(client, path):
    policy = client.get(path).headers["content-security-policy"]
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
    assert directives["default-src"] == "'self'" and directives["script-src"] == "'self'"
    assert "unsafe" not in policy and "frame-ancestors 'none'" in policy


def test_the_api_answers_carry_no_console_policy(client):
    assert "content-security-policy" not in client.get("/api/health").headers


def test_the_console_page_has_no_inline_script_style_or_handler():
    page = _Tags()
    page.feed((CONSOLE / "index.html").read_text(encoding="utf-8"))
    scripts = [attrs for tag, attrs in page.tags if tag == "script"]
    assert scripts and all(a.get("src") for a in scripts) and page.script_text == ""
    assert not [tag for tag, _ in page.tags if tag == "style"]
    assert not [(tag, name) for tag, attrs in page.tags for name in attrs if name == "style" or name.startswith("on")]


def test_the_console_loads_nothing_from_another_origin():
    page = _Tags()
    page.feed((CONSOLE / "index.html").read_text(encoding="utf-8"))
    links = [a[k] for _, a in page.tags for k in ("src", "href") if k in a]
    assert links and not [u for u in links if re.match(r"^([a-z]+:|//)", u)]
    for name in ("console.js", "console.css"):
        text = (CONSOLE / name).read_text(encoding="utf-8")
        assert not re.search(r"https?://|[\"'(`]//|url\(", text), name  # no absolute or protocol-relative URL


def test_the_console_script_never_writes_markup():
    script = (CONSOLE / "console.js").read_text(encoding="utf-8")
    assert [sink for sink in MARKUP_SINKS if sink in script] == []
