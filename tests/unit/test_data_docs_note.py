"""The note on the Data Docs pages that tells GX's rule share from the scorecard's row share
(quality/data_docs/note.py), on pages laid out as GX lays them."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from quality.data_docs.note import Counts, add_notes, percent

MAIN = '<div class="col-md-10 col-lg-10 col-xs-12 pl-md-4 pr-md-3">'


def _page(title: str) -> str:
    return f"<html><body><nav>GX</nav><div class='row'>{MAIN}\n<h1>{title}</h1></div></div></body></html>"


@pytest.fixture
def docs(tmp_path):
    """reports/quality/data_docs with the index and one validation page per source."""
    root = tmp_path / "reports" / "quality" / "data_docs"
    root.mkdir(parents=True)
    (root / "index.html").write_text(_page("index"), encoding="utf-8")
    for source in ("gaj.household_register", "swj.taxpayer"):
        page = root / "validations" / Path(*source.split(".")) / "run-1" / "20261206T000000Z" / f"w-{source}.html"
        page.parent.mkdir(parents=True)
        page.write_text(_page(source), encoding="utf-8")
    return root


COUNTS = {"gaj.household_register": Counts(32, 14, 82658, 82473), "swj.taxpayer": Counts(19, 12, 1000, 990)}


def _note(page: Path) -> str:
    (note,) = re.findall(r'<div id="govlake-numbers".*?</div>', page.read_text(encoding="utf-8"), re.S)
    return note


def _validation(docs: Path, source: str) -> Path:
    (page,) = docs.glob(f"validations/{source.replace('.', '/')}/*/*/*.html")
    return page


def test_a_validation_page_gives_its_sources_rule_share_and_row_share(docs):
    add_notes(docs, COUNTS)
    note = _note(_validation(docs, "gaj.household_register"))
    assert "规则通过率" in note and "通过的规则数 / 规则数" in note and "通过的行数 / 检查的行数" in note
    assert "14 / 32" in note and "43.75 %" in note
    assert "82,473 / 82,658" in note and "99.77 %" in note
    assert note.index("规则通过率") < note.index("rules passed")  # Chinese first, English beside


def test_the_index_gives_the_shares_of_every_source_of_the_run(docs):
    add_notes(docs, COUNTS)
    note = _note(docs / "index.html")
    assert "26 / 51" in note  # 14 + 12 of 32 + 19 rules
    assert "83,463 / 83,658" in note
    assert "2 个来源" in note


def test_the_note_links_back_to_the_steward_report(docs):
    add_notes(docs, COUNTS)
    for page in (docs / "index.html", _validation(docs, "swj.taxpayer")):
        (href,) = re.findall(r'id="govlake-report-link" href="([^"]+)"', page.read_text(encoding="utf-8"))
        assert (page.parent / href).resolve() == (docs.parent / "index.html").resolve()


def test_the_note_stands_at_the_top_of_the_main_column(docs):
    add_notes(docs, COUNTS)
    html = (docs / "index.html").read_text(encoding="utf-8")
    assert html.index(MAIN) < html.index('id="govlake-numbers"') < html.index("<h1>index</h1>")


def test_adding_the_notes_twice_leaves_one_per_page(docs):
    add_notes(docs, COUNTS)
    add_notes(docs, {**COUNTS, "swj.taxpayer": Counts(19, 19, 1000, 1000)})
    page = _validation(docs, "swj.taxpayer")
    assert page.read_text(encoding="utf-8").count('id="govlake-numbers"') == 1
    assert "19 / 19" in _note(page)


def test_a_share_is_rounded_down_so_that_a_failing_row_never_shows_as_100_percent():
    assert percent(99_999, 100_000) == "99.99 %"
    assert percent(5, 5) == "100.00 %"
    assert percent(0, 0) == "—"
