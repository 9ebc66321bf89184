"""The reliability suite's table in docs/reliability.md, written from the run's outcomes.

Each test of tests/reliability is one case of a category (its module, CATEGORIES); a
parametrized test's cases are its parameter ids. The leak scan also reports, through
`record_property`, how many outputs it scanned and how many leaks it found. When every
case of the suite ran (none deselected, the session not stopped early), the block between
BEGIN and END in docs/reliability.md is replaced: one line per category, then one line
per case, and the suite's measured time. tests/reliability/test_reliability_doc.py fails
when a case of the suite is missing from the committed block.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from tests.conftest import REPO

DOC = REPO / "docs" / "reliability.md"
BEGIN = "<!-- reliability table: written by tests/reliability (scoreboard.py); do not edit -->"
END = "<!-- end of reliability table -->"
HERE = Path(__file__).resolve().parent
CATEGORIES = {
    "test_faults": "fault",
    "test_hostile_inputs": "hostile input",
    "test_leak_scan": "leak scan",
}
WORDS = {  # what passing means per category
    "fault": ("faults injected", "survived"),
    "hostile input": ("hostile inputs tried", "handled"),
    "leak scan": ("outputs scanned", "leaks found"),
}


@dataclass
class _Board:
    expected: set[str] = field(default_factory=set)
    deselected: bool = False
    outcomes: dict[str, str] = field(default_factory=dict)  # nodeid -> passed | failed | skipped
    properties: dict[str, dict] = field(default_factory=dict)
    seconds: float = 0.0


_board = _Board()


def case_of(nodeid: str) -> tuple[str, str] | None:
    """(category, case) of a test node id of this suite; None for other tests."""
    m = re.match(r"(?:.*/)?tests/reliability/(test_\w+)\.py::(\w+)(?:\[(.*)\])?$", nodeid)
    if not m or m.group(1) not in CATEGORIES:
        return None
    module, function, param = m.groups()
    return CATEGORIES[module], param or function.removeprefix("test_").replace("_", " ")


def _ours(item) -> bool:
    return case_of(item.nodeid) is not None


def deselected(items) -> None:
    if any(_ours(i) for i in items):
        _board.deselected = True


def collected(items) -> None:
    _board.expected = {i.nodeid for i in items if _ours(i)}


def record(item, report) -> None:
    if not _ours(item):
        return
    _board.seconds += report.duration
    if report.when == "call" or report.outcome != "passed":
        # a failed or skipped set-up is the case's outcome; a failed teardown overrides a pass
        if report.when == "call" or item.nodeid not in _board.outcomes or report.outcome == "failed":
            _board.outcomes[item.nodeid] = report.outcome
        _board.properties.setdefault(item.nodeid, {}).update(dict(report.user_properties))


def finish() -> None:
    categories = {case_of(n)[0] for n in _board.expected}
    complete = (
        categories == set(CATEGORIES.values())  # every module collected, none deselected …
        and not _board.deselected
        and _board.expected <= set(_board.outcomes)  # … and every case ran (no -x stop)
    )
    if complete and DOC.exists():
        write_table(DOC, render(_board.outcomes, _board.properties, _board.seconds))


def render(outcomes: dict[str, str], properties: dict[str, dict], seconds: float) -> str:
    by_category: dict[str, list[tuple[str, str, dict]]] = {c: [] for c in WORDS}
    for nodeid, outcome in outcomes.items():
        category, case = case_of(nodeid)
        by_category[category].append((case, outcome, properties.get(nodeid, {})))
    lines = ["| category | tried | passed | failed or skipped | result |", "|---|---:|---:|---:|---|"]
    for category, cases in by_category.items():
        tried, good = WORDS[category]
        passed = sum(o == "passed" for _, o, _ in cases)
        if category == "leak scan":
            scanned = sum(p.get("outputs", 0) for _, _, p in cases)
            leaks = sum(p.get("leaks", 0) for _, _, p in cases)
            result = f"{scanned} {tried}, {leaks} {good}"
        else:
            result = f"{len(cases)} {tried}, {passed} {good}"
        lines.append(f"| {category} | {len(cases)} | {passed} | {len(cases) - passed} | {result} |")
    lines += ["", f"Cases (measured: the suite took {seconds:.0f} s in this run, fixtures included):", ""]
    for category, cases in by_category.items():
        for case, outcome, props in sorted(cases):
            extra = f" ({props['outputs']} outputs, {props['leaks']} leaks)" if "leaks" in props else ""
            lines.append(f"- {category} · `{case}`: {outcome}{extra}")
    return "\n".join(lines)


_TOOK = re.compile(r"the suite took \d+ s")


def write_table(doc: Path, table: str) -> None:
    """Replace the table; not when only the measured time differs (every `make test` would
    otherwise leave the checkout changed)."""
    text = doc.read_text(encoding="utf-8")
    start, end = text.index(BEGIN) + len(BEGIN), text.index(END)
    if _TOOK.sub("", text[start:end].strip()) == _TOOK.sub("", table.strip()):
        return
    doc.write_text(text[:start] + "\n" + table + "\n" + text[end:], encoding="utf-8")


def documented_cases(doc: Path = DOC) -> set[tuple[str, str]]:
    """(category, case) of every case line of the committed table."""
    text = doc.read_text(encoding="utf-8")
    block = text[text.index(BEGIN) : text.index(END)]
    return {(m.group(1), m.group(2)) for m in re.finditer(r"^- (.+?) · `(.+?)`:", block, re.M)}
