"""GX Data Docs that render offline: every stylesheet, script and image a page loads is a
file beside the docs, linked relatively; nothing is fetched from outside file://.

    make_offline(directory) -> number of pages rewritten

GX's templates link Bootstrap, jQuery, Popper, Font Awesome, bootstrap-table (+ its
filter-control extension), bootstrap-datepicker, a dark theme and vega/vega-lite/vega-embed
from CDNs, and GX's logo from S3: on an intranet the pages came up unstyled and the index
blank (its table is drawn by bootstrap-table). What replaces each address, and why the
others are dropped, is in quality/data_docs/assets.yaml: Bootstrap, jQuery and Font Awesome
come from their XStatic wheels on PyPI (Popper rides in Bootstrap's bundle); bootstrap-table
has no wheel, so table.js (ours) draws the index table - sorting, a search box, rows linking
to their validation; its filter controls and their datepicker are dropped, and so are vega
(charts of profiling and metric pages, not of our validations), the dark theme and GX's
newsletter footer (a link to subscribe, nothing a steward needs). GX's favicon link, one
directory short on validation pages, is pointed at the file. Plain links (<a href>) to
GX's documentation stay: the browser fetches nothing until one is followed.

Idempotent: a rewritten page has no remote asset left, and a second pass changes nothing.
"""

from __future__ import annotations

import importlib
import logging
import os
import re
import shutil
from functools import cache
from pathlib import Path

import yaml

log = logging.getLogger(__name__)
CONFIG_PATH = Path(__file__).with_name("assets.yaml")
VENDOR = Path("static") / "vendor"  # under the docs directory

SCRIPT = re.compile(r'<script\b[^>]*\bsrc="(https?://[^"]+)"[^>]*>\s*</script>\s*', re.IGNORECASE)
STYLESHEET = re.compile(r'<link\b[^>]*\bhref="(https?://[^"]+)"[^>]*>\s*', re.IGNORECASE)
IMAGE = re.compile(r'(<img\b[^>]*\bsrc=")(https?://[^"]+)(")', re.IGNORECASE)
CSS_URL = re.compile(r"""url\((['"]?)(https?://[^'")]+)\1\)""", re.IGNORECASE)
# favicon.j2 climbs (dots in the suite name + 3) directories from a validation page, one short
# of the docs directory for our dotted suite names: the browser's console showed the 404
FAVICON = re.compile(r'(<link\b[^>]*\bhref=")[^"]*static/images/favicon\.ico(")', re.IGNORECASE)
# GX's cloud-footer.j2: a link to subscribe to GX's newsletter
NEWSLETTER = re.compile(
    r'<footer>\s*<p>[^<]*<a href="https?://greatexpectations\.io/newsletter[^"]*">.*?</footer>\s*', re.S
)


@cache
def config() -> dict:
    return yaml.safe_load(CONFIG_PATH.read_text(encoding="utf-8"))


def copy_assets(directory: Path) -> Path:
    """The local copies under <directory>/static/vendor/<package>/ (from the installed wheels)."""
    vendor = directory / VENDOR
    for name, package in config()["packages"].items():
        source = _package_dir(package["module"])
        for f in package["files"]:
            src, dst = source / f, vendor / name / f
            dst.parent.mkdir(parents=True, exist_ok=True)
            if src.is_dir():
                shutil.copytree(src, dst, dirs_exist_ok=True)
            else:
                shutil.copyfile(src, dst)
    return vendor


def make_offline(directory: Path) -> int:
    """Copy the assets and rewrite every page under `directory`; the number of pages changed."""
    copy_assets(directory)
    changed = 0
    for page in sorted(directory.rglob("*.html")):
        html = page.read_text(encoding="utf-8")
        offline = rewrite(html, _relative(directory, page))
        if offline != html:
            page.write_text(offline, encoding="utf-8")
            changed += 1
    return changed


def rewrite(html: str, to_root: str) -> str:
    """One page with its remote assets replaced by files under `to_root` (the docs directory,
    relative to the page: "." or "../../..") or dropped."""
    cfg = config()
    images = cfg["images"]

    def vendored(url: str) -> str | None:
        local = cfg["local"].get(url)
        return f"{to_root}/{VENDOR.as_posix()}/{local}" if local else None

    def image(url: str) -> str:
        name = url.removeprefix(images["prefix"]).split("?")[0]
        local = images["files"].get(name) if url.startswith(images["prefix"]) else None
        if local is None:
            _unknown(url)
            return ""
        return f"{to_root}/static/images/{local}"

    def css_url(url: str) -> str:
        local = image(url)
        return f"url('{local}')" if local else "none"

    def script(m: re.Match) -> str:
        src = vendored(m.group(1))
        # integrity and crossorigin go: the hash is the CDN file's, and file:// has no CORS
        return f'<script src="{src}"></script>\n' if src else _dropped(m.group(1))

    def stylesheet(m: re.Match) -> str:
        href = vendored(m.group(1))
        return f'<link rel="stylesheet" href="{href}">\n' if href else _dropped(m.group(1))

    html = SCRIPT.sub(script, html)
    html = STYLESHEET.sub(stylesheet, html)
    html = IMAGE.sub(lambda m: m.group(1) + image(m.group(2)) + m.group(3), html)
    html = CSS_URL.sub(lambda m: css_url(m.group(2)), html)
    html = FAVICON.sub(lambda m: f"{m.group(1)}{to_root}/static/images/favicon.ico{m.group(2)}", html)
    return NEWSLETTER.sub("", html)


def _dropped(url: str) -> str:
    if url not in config()["dropped"]:
        _unknown(url)
    return ""


def _unknown(url: str) -> None:
    log.warning("Data Docs: %s is not in quality/data_docs/assets.yaml: dropped (no request leaves file://)", url)


def _relative(directory: Path, page: Path) -> str:
    return Path(os.path.relpath(directory, page.parent)).as_posix()


def _package_dir(module: str) -> Path:
    mod = importlib.import_module(module)
    # XStatic packages name their files' directory; our own package holds its files itself
    return Path(getattr(mod, "BASE_DIR", None) or Path(mod.__file__).parent)
