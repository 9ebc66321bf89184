"""No ID number or mobile leaves the lake in clear: after one `govlake run` over the clean
city plus the hostile corpus (which plants such values where a column-based mask would
not look), every output a person outside the lake reads is scanned — the steward report's
page, the department workbooks (their XML), the Great Expectations Data Docs, the directory's
site (its pages, five sample rows per resource, its search index), the ingest
log, dbt's log and run results, the console of every command, the pipeline's task
results.

The scanner has patterns of its own (GB 11643's 18-digit and legacy 15-digit numbers,
mainland mobiles), not govlake.pii's: a scan reusing the code under test would prove
nothing. It also looks for every specific value delivered: each one the corpus planted and
each ID number and mobile of the raw layer, written in ASCII or full-width digits.

Not scanned, by design: raw/ and quarantine/ (inside the lake: they keep what was
delivered, byte for byte, so that nothing is lost), the warehouse and curated Parquet
(inside the lake, read under its access rules), and plotly's vendored JavaScript in the
report's assets (a copy of the library, no data).
"""

from __future__ import annotations

import json
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from tests.reliability.corpus import HOUSEHOLD, PLANTED_ID, PLANTED_MOBILE, csv_lines
from tests.reliability.harness import govlake

pytestmark = pytest.mark.slow

# not inside a longer number, a code or a decimal fraction (a date serial's "….17461817885")
_B, _E = r"(?<![0-9A-Za-z０-９])(?<![0-9]\.)", r"(?![0-9A-Za-z０-９])"
_DAY = r"(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])"
PATTERNS = {
    "ID number (18 digits)": re.compile(_B + r"[1-9][0-9]{5}(?:18|19|20)[0-9]{2}" + _DAY + r"[0-9]{3}[0-9Xx]" + _E),
    "ID number (15 digits)": re.compile(_B + r"[1-9][0-9]{7}" + _DAY + r"[0-9]{3}" + _E),
    "mobile": re.compile(_B + r"1[3-9][0-9]{9}" + _E),
}
WIDE = str.maketrans("０１２３４５６７８９", "0123456789")
DIGIT_RUNS = re.compile(r"[0-9０-９]{11,}[Xx]?")
VENDORED = re.compile(r"plotly-[0-9.]+\.min\.js$")


def _files(root: Path, *globs: str) -> Iterator[Path]:
    for g in globs:
        yield from (p for p in sorted(root.glob(g)) if p.is_file() and not VENDORED.search(p.name))


def _text(path: Path) -> Iterator[tuple[str, str]]:
    """(where, text) of one output; a workbook's every XML part."""
    if path.suffix == ".xlsx":
        with zipfile.ZipFile(path) as z:
            for member in z.namelist():
                if member.endswith(".xml"):
                    yield f"{path.name}!{member}", z.read(member).decode("utf-8", "replace")
        return
    yield path.name, path.read_bytes().decode("utf-8", "replace")


def delivered_values(lake: Path, planted: set[str]) -> set[str]:
    """Every ID number and mobile the raw layer holds (found by this scanner's patterns),
    with what the corpus planted, in ASCII digits."""
    values = {v.translate(WIDE) for v in planted}
    con = duckdb.connect()
    for part in sorted((lake / "raw").glob("*/batch=*/*.parquet")):
        for row in con.execute(f"select * exclude (_ingested_at) from read_parquet('{part}')").fetchall():
            for cell in row:
                if isinstance(cell, str):
                    text = cell.translate(WIDE)
                    values.update(m.group() for p in PATTERNS.values() for m in p.finditer(text))
    return values


def leaks_in(where: str, text: str, values: set[str]) -> list[str]:
    """Each leak as '<where>: <kind> <masked value>' (the report of a leak leaks nothing)."""
    found = [(kind, m.group()) for kind, p in PATTERNS.items() for m in p.finditer(text.translate(WIDE))]
    found += [("delivered value", run) for run in DIGIT_RUNS.findall(text) if run.translate(WIDE) in values]
    return sorted({f"{where}: {kind} {v[:3]}…{v[-2:]}" for kind, v in found})


@pytest.fixture(scope="module")
def outputs(hostile) -> dict[str, list[tuple[str, str]]]:
    """Every output that leaves the lake, by kind: [(where, text)]."""
    lake = hostile.lake
    person = csv_lines(HOUSEHOLD)[1].split(b",")[0].decode()  # a person of the city
    commands = [
        ["status"],
        ["ingest", "--landing", str(hostile.landing), "--verbose"],  # reprints the rejections
        ["quality", "gate"],
        ["quality", "scores"],
        # free text where no column mask looks: the filer, the claimed value, the note
        [
            "dispute",
            "file",
            "--entity",
            person,
            "--attribute",
            "population.name",
            "--claimed-value",
            f"张三 {PLANTED_MOBILE}",
            "--by",
            f"窗口 {PLANTED_MOBILE}",
            "--note",
            f"ID:{PLANTED_ID}",
        ],
        [
            "dispute",
            "file",
            "--entity",
            PLANTED_ID,
            "--attribute",
            "population.name",
            "--claimed-value",
            "x",
            "--by",
            "窗口",
        ],  # an entity that does not exist: the error names it
        ["dispute", "list"],
        ["quality", "report"],  # last: the page and workbooks show the tickets
    ]
    consoles = [("govlake run", hostile.ran.console)]
    for args in commands:
        ran = govlake(*args, "--home", str(lake))
        consoles.append((f"govlake {' '.join(args[:2])}", ran.console))

    def texts(*globs: str) -> list[tuple[str, str]]:
        return [t for p in _files(lake, *globs) for t in _text(p)]

    return {
        "steward report page": texts("reports/quality/*.html", "reports/quality/assets/*"),
        "department workbooks": texts("reports/quality/departments/*.xlsx"),
        "Data Docs": texts("reports/quality/data_docs/**/*"),
        "directory site": texts("reports/catalog/**/*"),
        "ingest log": texts("logs/**/*.json"),
        "dbt log and run results": texts("dbt/logs/*.log", "dbt/run_results.json"),
        "console": consoles,
        "task results": [("ingest_source results", _task_results(hostile))],
    }


def _task_results(hostile) -> str:
    """What the ingestion task hands Airflow (XCom, task errors) for each corpus source."""
    from conductor.pipeline import ingest_source
    from govlake.settings import Lake

    lake = Lake(hostile.lake)
    sources = sorted({source for source, _, _ in hostile.cases.values()})
    return json.dumps([ingest_source(s, lake, hostile.landing) for s in sources], ensure_ascii=False)


KINDS = [
    "steward report page",
    "department workbooks",
    "Data Docs",
    "directory site",
    "ingest log",
    "dbt log and run results",
    "console",
    "task results",
]


@pytest.mark.parametrize("kind", KINDS)
def test_no_id_number_or_mobile_leaves_the_lake_in_clear(kind, outputs, hostile, record_property):
    planted = {v for _, _, e in hostile.cases.values() for v in e.planted}
    values = delivered_values(hostile.lake, planted)
    scanned = outputs[kind]
    leaks = [leak for where, text in scanned for leak in leaks_in(where, text, values)]
    record_property("outputs", len(scanned))
    record_property("leaks", len(leaks))
    assert scanned, f"nothing of kind {kind!r} to scan: the run did not write it"
    assert leaks == []
