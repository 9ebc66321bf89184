"""GX Data Docs made to render offline (quality/data_docs/offline.py): the pages are built
here from the remote tags of the installed GX's own templates, so a GX upgrade that links
a new CDN file shows up as a failing test, not as a blank page on an intranet."""

from __future__ import annotations

import importlib.util
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from quality.data_docs.offline import config, make_offline

# found, not imported (importing GX takes seconds)
GX = Path(importlib.util.find_spec("great_expectations").origin).parent
TEMPLATES = GX / "render" / "view" / "templates"
STYLES = TEMPLATES.parent / "static" / "styles" / "data_docs_default_styles.css"
REMOTE_TAG = re.compile(r'<(?:link|script)\b[^>]*\b(?:href|src)="https?://[^"]+"[^>]*>(?:\s*</script>)?')
REMOTE_CSS_URL = re.compile(r"url\('https?://[^']+'\)")


class Fetches(HTMLParser):
    """What a browser loads by itself: stylesheets, scripts, images, CSS url()s - not <a href>."""

    def __init__(self):
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag in ("script", "img") and a.get("src"):
            self.urls.append(a["src"])
        if tag == "link" and a.get("href"):
            self.urls.append(a["href"])

    def handle_data(self, data):
        self.urls += re.findall(r"""url\(['"]?([^'")]+)""", data)


def fetched(html: str) -> list[str]:
    parser = Fetches()
    parser.feed(html)
    return parser.urls


def _gx_remote_head() -> str:
    """Every remote <link>/<script> of GX's page templates, its S3 logo and its CSS background."""
    tags = []
    for name in ("page.j2", "index_page.j2", "js_script_imports.j2"):
        tags += REMOTE_TAG.findall((TEMPLATES / name).read_text(encoding="utf-8"))
    (s3,) = re.findall(r'static_images_dir = "(https://[^"]+)"', (TEMPLATES / "top_navbar.j2").read_text())
    css = "\n".join(REMOTE_CSS_URL.findall(STYLES.read_text(encoding="utf-8")))
    return "\n".join(dict.fromkeys(tags)) + f'\n<style>.brand {{ {css} }}</style>\n<img src="{s3}logo-long.png?d=1">'


def _page(head: str) -> str:
    return (
        f"<!DOCTYPE html><html><head>{head}</head><body>"
        '<footer>\n  <p>Stay current on everything GX with our newsletter <a href="https://greatexpectations.io/'
        'newsletter?utm_source=datadocs">Subscribe</a></p>\n</footer>'
        '<a href="https://docs.greatexpectations.io/docs/">GX docs</a></body></html>'
    )


@pytest.fixture
def docs(tmp_path):
    """A docs directory as GX lays it out: the index, a validation page five levels down, and
    GX's own static/images."""
    root = tmp_path / "data_docs"
    (root / "static" / "images").mkdir(parents=True)
    for image in ("logo-long.png", "favicon.ico"):
        (root / "static" / "images" / image).write_bytes(b"\x89PNG")
    page = root / "validations" / "gaj" / "household_register" / "run" / "20261206T000000Z" / "warehouse.html"
    page.parent.mkdir(parents=True)
    # favicon.j2's path: (dots in the suite name + 3) levels up from a validation page
    for p, up in ((root / "index.html", "./"), (page, "../" * 4)):
        icon = f'<link rel="shortcut icon" href="{up}static/images/favicon.ico" type="image/x-icon"/>'
        p.write_text(_page(_gx_remote_head() + icon), encoding="utf-8")
    return root


def test_every_remote_asset_of_the_installed_gx_templates_is_replaced_or_dropped_on_purpose():
    cfg = config()
    urls = [u for u in fetched(_gx_remote_head()) if u.startswith("http")]
    assert len(urls) > 10  # the templates were read
    unknown = [
        u
        for u in urls
        if u not in cfg["local"] and u not in cfg["dropped"] and not u.startswith(cfg["images"]["prefix"])
    ]
    assert not unknown, unknown


def test_the_pages_load_nothing_from_outside_and_every_file_they_load_exists(docs):
    assert make_offline(docs) == 2
    for page in docs.rglob("*.html"):
        urls = fetched(page.read_text(encoding="utf-8"))
        assert urls and not [u for u in urls if urlsplit(u).scheme], urls
        missing = [u for u in urls if not (page.parent / unquote(u)).resolve().is_file()]
        assert not missing, (page, missing)
        assert all((page.parent / u).resolve().is_relative_to(docs) for u in urls)  # beside the docs


def test_bootstrap_jquery_font_awesome_and_the_index_table_are_what_the_pages_load(docs):
    make_offline(docs)
    urls = fetched((docs / "index.html").read_text(encoding="utf-8"))
    names = {Path(u).name for u in urls}
    assert {"bootstrap.min.css", "bootstrap.bundle.min.js", "jquery.min.js", "all.min.css", "table.js"} <= names
    fonts = docs / "static" / "vendor" / "font-awesome" / "webfonts"
    assert (fonts / "fa-solid-900.woff2").stat().st_size > 0  # what all.min.css points at


def test_the_integrity_hash_of_the_cdn_file_is_not_kept_for_the_local_one(docs):
    make_offline(docs)
    html = (docs / "index.html").read_text(encoding="utf-8")
    assert "integrity=" not in html and "crossorigin=" not in html


def test_plain_links_stay_and_the_newsletter_footer_goes(docs):
    make_offline(docs)
    html = (docs / "index.html").read_text(encoding="utf-8")
    assert 'href="https://docs.greatexpectations.io/docs/"' in html
    assert "newsletter" not in html


def test_an_unknown_remote_script_is_dropped_not_fetched(docs):
    page = docs / "index.html"
    page.write_text(_page('<script src="https://cdn.example.org/new-widget.js"></script>'), encoding="utf-8")
    make_offline(docs)
    html = page.read_text(encoding="utf-8")
    assert "cdn.example.org" not in html and fetched(html) == []


def test_making_the_docs_offline_twice_changes_nothing(docs):
    make_offline(docs)
    before = {p: p.read_bytes() for p in docs.rglob("*.html")}
    assert make_offline(docs) == 0
    assert {p: p.read_bytes() for p in docs.rglob("*.html")} == before
