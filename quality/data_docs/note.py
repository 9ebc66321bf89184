"""A note on every Data Docs page that tells GX's number from the scorecard's.

    add_notes(directory, counts) -> number of pages with a note

GX's "Success Percent" is the share of expectations - our rules - that passed: one failing
row fails a rule. In the browser test's city (600 persons, seed 17, 5 % defects),
gaj.household_register's page showed 43.75 % (14 of 32 rules) while 82,473 of its 82,658
checked rows passed (99.77 %, rounded down as the note shows it) and its batches scored
99.62-99.85 overall on the scorecard (GB/T 36344, quality/scores.py): read from the run's
GX JSON, quality.rule_results and quality.scores on 2026-12-06.

The note (note.html.j2), Chinese first, English beside, states both definitions, gives the
run's two shares on the page's scope (a source on its validation page, every source of the
run on the index) and links back to the steward report. The row share is Σ passed / Σ
checked over the run's rules and batches (passed = checked - failed, never below 0, as
quality/sql/scores.sql counts); the scorecard covers each source's current data (its open
findings, docs/quality-dimensions.md#open-findings), weights dimensions and discounts
rejected files, which the note says rather than recomputes (the scores are recorded after
the run).
"""

from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass
from pathlib import Path

import jinja2

TEMPLATE = Path(__file__).with_name("note.html.j2")
NOTE = re.compile(r"<!-- govlake-numbers -->.*?<!-- /govlake-numbers -->\n?", re.S)
# GX's main column (page.j2, index_page.j2); the top of <body> if a GX version moves it
MAIN = re.compile(r'<div class="col-md-10 col-lg-10 col-xs-12 pl-md-4 pr-md-3">\n?')
BODY = re.compile(r"<body[^>]*>\n?")


@dataclass(frozen=True)
class Counts:
    rules: int
    rules_passed: int
    rows_checked: int
    rows_passed: int

    def __add__(self, other: Counts) -> Counts:
        return Counts(
            self.rules + other.rules,
            self.rules_passed + other.rules_passed,
            self.rows_checked + other.rows_checked,
            self.rows_passed + other.rows_passed,
        )


def percent(part: int, whole: int) -> str:
    """Rounded down to 0.01: 99.999 % is not shown as 100 %."""
    if not whole:
        return "—"
    return f"{math.floor(10000 * part / whole) / 100:.2f} %"


def add_notes(directory: Path, counts: dict[str, Counts]) -> int:
    """Insert (or replace) the note on the index and on each validation page; counts per suite
    (our suites are named by source id)."""
    template = jinja2.Template(TEMPLATE.read_text(encoding="utf-8"), autoescape=True)
    noted = 0
    for page in sorted(directory.rglob("*.html")):
        scope = _scope(page.relative_to(directory).parts, counts)
        if scope is None:
            continue
        report = Path(os.path.relpath(directory.parent / "index.html", page.parent)).as_posix()
        note = template.render(counts=scope[0], scope_zh=scope[1], scope_en=scope[2], report=report, percent=percent)
        html = page.read_text(encoding="utf-8")
        page.write_text(insert(html, note), encoding="utf-8")
        noted += 1
    return noted


def insert(html: str, note: str) -> str:
    """The page with `note` at the top of its main column, replacing a note already there."""
    html = NOTE.sub("", html)
    anchor = MAIN.search(html) or BODY.search(html)
    if anchor is None:
        return note + html
    return html[: anchor.end()] + note.rstrip("\n") + "\n" + html[anchor.end() :]


def _scope(parts: tuple[str, ...], counts: dict[str, Counts]) -> tuple[Counts | None, str, str] | None:
    if parts == ("index.html",):
        total = sum(counts.values(), Counts(0, 0, 0, 0)) if counts else None
        return total, f"本次运行的 {len(counts)} 个来源", f"the run's {len(counts)} source(s)"
    # validations/<suite, split at its dots>/<run name>/<run time>/<batch>.html
    if parts[0] == "validations" and len(parts) >= 5:
        suite = ".".join(parts[1:-3])
        return counts.get(suite), f"来源 {suite}，本次运行", f"source {suite}, this run"
    return None
