"""A CSV delivered without its header line: its first data row becomes an error message.
What leaves the lake with that message — the ingest log, the console, the task's result —
shows no ID number or mobile in clear (issue 12, item 1)."""

from __future__ import annotations

import json
import re

from rich.console import Console

import ingest
from conductor.pipeline import _as_dict
from conductor.reporting import print_batch_messages
from govlake.registry import load_registry
from ingest.log import log_dir
from tests.lake_fixtures import csv_bytes, make_batch

HJ = load_registry().sources["gaj.household_register"]
ID = "372323194007117101"
MOBILE = "14255563659"
ROW = [
    ID,
    "叶帅",
    "1",
    "19400711",
    "01",
    "3716220000001",
    "02",
    "山东省滨州市阳信县1号",
    "371622",
    MOBILE,
    "2018-02-13 17:13:47",
]
CLEAR = re.compile(rf"{ID}|{MOBILE}")


def _headerless_batch(lake, landing):
    # the first data row stands where the header should: csv_bytes writes it as the header
    d = make_batch(
        landing, HJ.id, "2026-10-01", {"hjrk_20261001.csv": csv_bytes(ROW[: len(HJ.headers)], [], encoding="gb18030")}
    )
    return ingest.ingest_batch(HJ, d, lake)


def test_the_row_quoted_by_the_message_is_masked_in_the_ingest_log(lake, landing):
    result = _headerless_batch(lake, landing)
    assert result.messages, "a header-less file is reported"
    records = [json.loads(p.read_text(encoding="utf-8")) for p in (log_dir(lake) / HJ.id).glob("*.json")]
    assert records
    text = json.dumps(records, ensure_ascii=False)
    assert not CLEAR.search(text), text


def test_the_row_quoted_by_the_message_is_masked_on_the_console(lake, landing):
    result = _headerless_batch(lake, landing)
    console = Console(record=True, width=200, color_system=None)
    print_batch_messages(console, [result])
    text = console.export_text()
    assert text.strip() and not CLEAR.search(text), text


def test_the_row_quoted_by_the_message_is_masked_in_the_tasks_result(lake, landing):
    result = _headerless_batch(lake, landing)
    text = json.dumps(_as_dict(result), ensure_ascii=False)
    assert not CLEAR.search(text), text
