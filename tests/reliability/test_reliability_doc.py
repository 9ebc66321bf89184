"""The suite keeps its own account: docs/reliability.md's table lists every case the suite
has, every fault point in the code has a case, and the leak scanner finds what it must."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from tests.conftest import REPO
from tests.reliability import scoreboard
from tests.reliability.test_faults import KILLS
from tests.reliability.test_leak_scan import leaks_in

FAULT_POINT = re.compile(r"""fault_point\(\s*["']([\w.]+)["']\s*\)""")
CODE = ("govlake", "ingest", "transform", "quality", "catalog", "conductor", "synth")


def _suite_cases() -> set[tuple[str, str]]:
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider", "tests/reliability"],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return {c for line in done.stdout.splitlines() if (c := scoreboard.case_of(line.strip()))}


def test_the_documented_table_lists_every_case_of_the_suite():
    """A case added without running the suite (which rewrites the table) fails here."""
    suite = _suite_cases()
    assert {c for c, _ in suite} == set(scoreboard.CATEGORIES.values())
    assert scoreboard.documented_cases() == suite


def _doc(tmp_path, table: str):
    doc = tmp_path / "reliability.md"
    doc.write_text(f"intro\n{scoreboard.BEGIN}\n{table}\n{scoreboard.END}\nafter\n", encoding="utf-8")
    return doc


def test_a_run_that_differs_only_in_its_time_leaves_the_doc_as_it_is(tmp_path):
    doc = _doc(tmp_path, "| fault | 1 |\nthe suite took 629 s in this run\n- fault · `x`: passed")
    before = doc.read_text(encoding="utf-8")
    scoreboard.write_table(doc, "| fault | 1 |\nthe suite took 700 s in this run\n- fault · `x`: passed")
    assert doc.read_text(encoding="utf-8") == before


def test_a_run_with_other_outcomes_rewrites_the_table(tmp_path):
    doc = _doc(tmp_path, "| fault | 1 |\nthe suite took 629 s in this run\n- fault · `x`: passed")
    scoreboard.write_table(doc, "| fault | 1 |\nthe suite took 700 s in this run\n- fault · `x`: failed")
    assert "`x`: failed" in doc.read_text(encoding="utf-8") and "after" in doc.read_text(encoding="utf-8")


def test_every_fault_point_in_the_code_is_killed_by_a_case():
    points = {
        m.group(1)
        for package in CODE
        for path in (REPO / package).rglob("*.py")
        for m in FAULT_POINT.finditer(path.read_text(encoding="utf-8"))
    }
    assert points, "no fault point found: has fault_point moved?"
    assert points == {f.point for f in KILLS}


@pytest.mark.parametrize(
    "text,kind",
    [
        ("申请人代码 ID:110105198807160011;", "ID number (18 digits) 110…11"),
        ("证号１１０１０５１９８８０７１６００１１。", "ID number (18 digits) 110…11"),
        ("旧证 110105880716001", "ID number (15 digits) 110…01"),
        ("电话13912345678", "mobile 139…78"),
    ],
)
def test_the_leak_scanner_finds_numbers_in_clear_wherever_they_stand(text, kind):
    assert leaks_in("page", text, set()) == [f"page: {kind}"]


def test_the_leak_scanner_finds_every_delivered_value_it_is_given():
    assert leaks_in("page", "x 12000001111 y", {"12000001111"}) == ["page: delivered value 120…11"]


def test_the_leak_scanner_passes_masked_values_codes_and_fractions():
    text = "110105********0011 139****5678 91371603437043994P 371625013011JC24618 46362.17461817885 3716220000001"
    assert leaks_in("page", text, set()) == []
