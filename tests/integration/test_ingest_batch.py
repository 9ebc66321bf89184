"""ingest_batch / ingest_landing behaviour: idempotence, replacement, crashes,
header drift, unreadable rows, incomplete batches, stray files, the log."""

from __future__ import annotations

import errno
import hashlib
import json

import pyarrow.parquet as pq
import pytest

import ingest
import ingest.commit as commit
import ingest.runner as runner
from govlake.registry import load_registry
from govlake.warehouse import connect
from ingest.log import read_attempts
from tests.lake_fixtures import csv_bytes, household_row, make_batch, read_quarantined_rows, read_raw, tree_state

REG = load_registry()
HJ = REG.sources["gaj.household_register"]
HEADER = list(HJ.headers)
BATCH = "2026-10-01"
FILE = "hjrk_20261001.csv"


def person(i: int, name: str = "叶帅") -> list[str]:
    return household_row(i, name, "" if i % 2 else "14255563659")


def gb(rows, header=HEADER) -> bytes:
    return csv_bytes(header, rows, encoding="gb18030")


def test_a_batch_loads_with_lineage(lake, landing):
    d = make_batch(landing, HJ.id, BATCH, {FILE: gb([person(1), person(2, "𠀀娟倩")])})
    r = ingest.ingest_batch(HJ, d, lake)
    assert (r.status, r.files, r.rows_read, r.rows_written, r.rows_quarantined) == ("loaded", 1, 2, 2, 0)
    assert r.partition == lake.raw_partition(HJ.id, BATCH)
    rows = read_raw(lake, HJ.id, BATCH)
    assert [x["name"] for x in rows] == ["叶帅", "𠀀娟倩"]
    assert [x["_row_no"] for x in rows] == [1, 2]
    assert {x["_batch"] for x in rows} == {BATCH} and {x["_file"] for x in rows} == {FILE}
    assert rows[0]["mobile"] == "" and rows[1]["mobile"] == "14255563659"
    assert rows[0]["_ingested_at"].tzinfo is not None
    assert sorted(p.name for p in r.partition.iterdir()) == ["_SUCCESS", "_manifest.json", "part-00000.parquet"]
    assert not lake.quarantine_partition(HJ.id, BATCH).exists()
    manifest = json.loads((r.partition / "_manifest.json").read_text(encoding="utf-8"))
    footer = pq.ParquetFile(r.partition / "part-00000.parquet").metadata.metadata
    assert (
        footer[b"govlake.file_sha256"].decode()
        == manifest["files"][0]["sha256"]
        == hashlib.sha256((d / FILE).read_bytes()).hexdigest()
    )


def test_rerun_of_an_unchanged_batch_is_a_no_op(lake, landing):
    d = make_batch(landing, HJ.id, BATCH, {FILE: gb([person(1)])})
    assert ingest.ingest_batch(HJ, d, lake).status == "loaded"
    before = tree_state(lake.raw / HJ.id)
    r = ingest.ingest_batch(HJ, d, lake)
    assert r.status == "unchanged" and r.rows_written == 1
    assert tree_state(lake.raw / HJ.id) == before  # mtimes and sizes of every file, lock files included
    assert [a["status"] for a in read_attempts(lake, HJ.id)] == ["loaded", "unchanged"]


def test_a_changed_file_replaces_the_partition(lake, landing):
    d = make_batch(landing, HJ.id, BATCH, {FILE: gb([person(1), b"short,row"])})
    first = ingest.ingest_batch(HJ, d, lake)
    assert (first.status, first.rows_quarantined) == ("loaded", 1)
    (d / FILE).write_bytes(gb([person(1), person(2), person(3)]))
    r = ingest.ingest_batch(HJ, d, lake)
    assert r.status == "replaced" and r.rows_written == 3
    assert [x["_row_no"] for x in read_raw(lake, HJ.id, BATCH)] == [1, 2, 3]
    # the first delivery's quarantine no longer applies, and nothing is left over
    assert not lake.quarantine_partition(HJ.id, BATCH).exists()
    assert [p.name for p in (lake.raw / HJ.id).iterdir() if p.name.startswith((".tmp", ".old", ".commit"))] == []
    manifest = json.loads((r.partition / "_manifest.json").read_text(encoding="utf-8"))
    assert manifest["status"] == "replaced" and manifest["commit_id"] == r.attempt_id


@pytest.mark.parametrize("exchange", [True, False], ids=["rename-exchange", "two-renames"])
@pytest.mark.parametrize("where", ["before-commit", "between-swaps"])
def test_a_crash_between_write_and_rename_leaves_the_old_partition(lake, landing, monkeypatch, exchange, where):
    monkeypatch.setattr(commit, "USE_EXCHANGE", exchange)
    d = make_batch(landing, HJ.id, BATCH, {FILE: gb([person(1), b"short,row"])})
    ingest.ingest_batch(HJ, d, lake)
    before_raw, before_q = tree_state(lake.raw / HJ.id), tree_state(lake.quarantine / HJ.id)
    (d / FILE).write_bytes(gb([person(1), person(2), person(3)]))

    def boom(*a, **k):
        raise OSError("disk gone")

    if where == "before-commit":  # everything written and verified, nothing renamed yet
        monkeypatch.setattr(runner.Commit, "apply", boom)
    else:  # quarantine swapped, raw not yet
        monkeypatch.setattr(commit, "_after_step", lambda i, step: boom())
    r = ingest.ingest_batch(HJ, d, lake)
    assert r.status == "failed" and "disk gone" in r.messages[-1]
    assert tree_state(lake.raw / HJ.id) == before_raw
    assert tree_state(lake.quarantine / HJ.id) == before_q
    assert [x["name"] for x in read_raw(lake, HJ.id, BATCH)] == ["叶帅"]

    monkeypatch.undo()
    assert ingest.ingest_batch(HJ, d, lake).status == "replaced"


def test_a_killed_process_is_recovered_on_the_next_run(lake, landing, monkeypatch):
    class Killed(BaseException):
        pass

    d = make_batch(landing, HJ.id, BATCH, {FILE: gb([person(1), b"short,row"])})
    ingest.ingest_batch(HJ, d, lake)
    (d / FILE).write_bytes(gb([person(1), person(2)]))
    # steps: remove the old quarantine, then swap raw; die after the first
    monkeypatch.setattr(commit, "_after_step", lambda i, step: (_ for _ in ()).throw(Killed()))
    with pytest.raises(Killed):  # no cleanup runs: like kill -9 in the middle of the swap
        ingest.ingest_batch(HJ, d, lake)
    assert (lake.raw / HJ.id / f".commit.{BATCH}.json").exists()
    assert len(read_raw(lake, HJ.id, BATCH)) == 1  # readers still see the old, whole partition
    monkeypatch.undo()
    r = ingest.ingest_batch(HJ, d, lake)
    assert r.status == "replaced" and any("rolled back" in m for m in r.messages)
    assert len(read_raw(lake, HJ.id, BATCH)) == 2
    assert not lake.quarantine_partition(HJ.id, BATCH).exists()


@pytest.mark.parametrize(
    "header,missing,unexpected",
    [
        (HEADER + ["备注"], [], ["备注"]),
        (HEADER[:-1], ["更新时间"], []),
        (HEADER[:3] + ["出生年月"] + HEADER[4:], ["出生日期"], ["出生年月"]),
    ],
    ids=["extra", "missing", "renamed"],
)
def test_header_drift_rejects_the_file_whole(lake, landing, header, missing, unexpected):
    rows = [person(1)[: len(header)] + [""] * (len(header) - len(HEADER))]
    d = make_batch(landing, HJ.id, BATCH, {FILE: gb(rows, header)})
    r = ingest.ingest_batch(HJ, d, lake)
    assert r.status == "rejected" and r.files_rejected == 1 and r.rows_written == 0
    assert not lake.raw_partition(HJ.id, BATCH).exists()  # never half-loaded
    msg = " ".join(r.messages)
    assert FILE in msg
    for h in missing:
        assert f"missing {h} ({HJ.headers[h]})" in msg
    for h in unexpected:
        assert h in msg.split("unexpected", 1)[1]
    if missing and unexpected:
        assert f"possibly renamed {missing[0]} → {unexpected[0]}" in msg
    q = lake.quarantine_partition(HJ.id, BATCH)
    assert (q / "rejected" / FILE).read_bytes() == (d / FILE).read_bytes()
    reason = (q / "rejected" / f"{FILE}.reason.txt").read_text(encoding="utf-8")
    assert all(h in reason for h in missing + unexpected)
    summary = json.loads((q / "_quarantine.json").read_text(encoding="utf-8"))
    assert summary["outcome"] == "rejected" and summary["rejected"][0]["missing"] == missing
    # re-running the same rejected delivery rewrites nothing
    before = tree_state(q)
    again = ingest.ingest_batch(HJ, d, lake)
    assert again.status == "rejected" and tree_state(q) == before


def test_a_rejected_file_does_not_stop_its_siblings(lake, landing):
    d = make_batch(
        landing,
        HJ.id,
        BATCH,
        {
            "hjrk_20261001_part1.csv": gb([person(1), person(2)]),
            "hjrk_20261001_part2.csv": gb([person(3)[:-1]], HEADER[:-1]),
            "hjrk_20261001_part3.csv": gb([person(4)]),
        },
    )
    r = ingest.ingest_batch(HJ, d, lake)
    assert (r.status, r.files, r.files_rejected, r.rows_written) == ("loaded", 3, 1, 3)
    rows = read_raw(lake, HJ.id, BATCH)
    assert [(x["_file"], x["_row_no"]) for x in rows] == [
        ("hjrk_20261001_part1.csv", 1),
        ("hjrk_20261001_part1.csv", 2),
        ("hjrk_20261001_part3.csv", 1),
    ]


def test_unreadable_rows_are_quarantined_and_the_rest_loads(lake, landing):
    rows = [
        person(1),
        "372323194007117102,坏".encode("gb18030") + b"\x81\x20,1,19400711,01,3716220000002,02,x,371622,,t",
        person(3),
        ",".join(person(4)[:5]).encode("gb18030"),  # short row: 5 of 11 fields
        person(5),
        ",".join(person(6) + ["extra"]).encode("gb18030"),  # long row
        person(7, "张三"),
    ]
    d = make_batch(landing, HJ.id, BATCH, {FILE: gb(rows)})
    r = ingest.ingest_batch(HJ, d, lake)
    assert (r.status, r.rows_read, r.rows_written, r.rows_quarantined) == ("loaded", 7, 4, 3)
    loaded = read_raw(lake, HJ.id, BATCH)
    # _row_no is the record number in the file: stable although rows 2, 4 and 6 are gone
    assert [(x["_row_no"], x["name"]) for x in loaded] == [(1, "叶帅"), (3, "叶帅"), (5, "叶帅"), (7, "张三")]
    q = {x["row_no"]: x for x in read_quarantined_rows(lake, HJ.id, BATCH)}
    assert sorted(q) == [2, 4, 6]
    assert q[2]["reason"] == "undecodable" and q[2]["line"] == 3 and q[2]["file"] == FILE
    assert bytes.fromhex(q[2]["raw_hex"]) == rows[1]  # the original bytes, nothing lost
    assert "name" in q[2]["column"] and "0x81" in q[2]["detail"]
    assert q[4]["reason"] == "too_few_fields" and q[4]["line"] == 5 and "expected 11 fields, found 5" in q[4]["detail"]
    assert q[4]["raw_text"] == ",".join(person(4)[:5])
    assert q[6]["reason"] == "too_many_fields" and q[6]["line"] == 7
    msgs = "\n".join(r.messages)
    assert f"{FILE} line 3 (record 2), column 姓名 (name): undecodable" in msgs
    assert f"{FILE} line 5 (record 4): too_few_fields" in msgs
    manifest = json.loads((r.partition / "_manifest.json").read_text(encoding="utf-8"))
    f = manifest["files"][0]
    assert (f["rows_read"], f["rows_written"], f["rows_quarantined"]) == (7, 4, 3)


def test_a_quoted_value_with_line_breaks_keeps_numbering(lake, landing):
    src = REG.sources["xyzx.double_publicity"]
    header = list(src.headers)
    row = [
        "滨罚〔2026〕1号",
        "行政处罚",
        "某公司",
        "法人及非法人组织",
        "91371600MA0000000X",
        "2026-06-04",
        "滨州市局",
        "11371600MB1664407T",
        '第一行,\n第二行 "引号"',
        "30.91",
        "",
    ]
    body = [row, b"broken,row", row]
    d = make_batch(landing, src.id, BATCH, {"sgs_20261001.csv": csv_bytes(header, body, encoding="utf-8-sig")})
    r = ingest.ingest_batch(src, d, lake)
    assert (r.rows_written, r.rows_quarantined) == (2, 1)
    loaded = read_raw(lake, src.id, BATCH)
    assert [x["_row_no"] for x in loaded] == [1, 3]
    assert loaded[0]["content"] == '第一行,\n第二行 "引号"' and loaded[0]["valid_until"] == ""
    (bad,) = read_quarantined_rows(lake, src.id, BATCH)
    assert (bad["row_no"], bad["line"]) == (2, 4)  # record 2 starts on line 4: record 1 spans lines 2-3


def test_an_incomplete_batch_is_skipped(lake, landing):
    make_batch(landing, HJ.id, "2026-10-01", {FILE: gb([person(1)])})
    make_batch(landing, HJ.id, "2026-10-02", {"hjrk_20261002.csv": gb([person(2)])}, ready=False)
    results = ingest.ingest_landing(landing, lake)
    assert [(r.batch, r.status) for r in results] == [("2026-10-01", "loaded"), ("2026-10-02", "incomplete")]
    assert not lake.raw_partition(HJ.id, "2026-10-02").exists()
    assert [a["batch"] for a in read_attempts(lake)] == ["2026-10-01"]  # waiting is not an attempt
    direct = ingest.ingest_batch(HJ, landing / HJ.id / "2026-10-02", lake)
    assert direct.status == "incomplete" and "_READY" in direct.messages[0]


def test_files_that_are_not_the_sources_are_rejected(lake, landing):
    d = make_batch(landing, HJ.id, BATCH, {FILE: gb([person(1)]), "说明.txt": "备注".encode()})
    r = ingest.ingest_batch(HJ, d, lake)
    assert (r.status, r.files, r.files_rejected, r.rows_written) == ("loaded", 2, 1, 1)
    q = lake.quarantine_partition(HJ.id, BATCH)
    assert (q / "rejected" / "说明.txt").read_bytes() == "备注".encode()
    assert "hjrk_YYYYMMDD.csv" in (q / "rejected" / "说明.txt.reason.txt").read_text(encoding="utf-8")
    assert any("说明.txt" in m for m in r.messages)


def test_the_log_records_every_attempt_and_the_warehouse_shows_it(lake, landing):
    d = make_batch(landing, HJ.id, BATCH, {FILE: gb([person(1)])})
    ingest.ingest_landing(landing, lake)
    ingest.ingest_landing(landing, lake)
    (d / FILE).write_bytes(gb([person(1)], HEADER[:-1]))
    ingest.ingest_landing(landing, lake)
    attempts = read_attempts(lake, HJ.id)
    assert [a["status"] for a in attempts] == ["loaded", "unchanged", "rejected"]
    assert all(a["attempt_id"] and a["code_version"] and a["seconds"] >= 0 for a in attempts)
    con = connect(lake, read_only=True)
    try:
        got = con.execute("SELECT status, rows_written, batch FROM ops.ingest_log ORDER BY started_at").fetchall()
        q = con.execute("SELECT count(*) FROM ops.ingest_log WHERE len(messages) > 0").fetchall()
    finally:
        con.close()
    assert got == [("loaded", 1, BATCH), ("unchanged", 1, BATCH), ("rejected", 0, BATCH)]
    assert q == [(2,)]


def test_no_ops_view_without_records_and_a_busy_warehouse_never_fails_ingestion(lake, landing, tmp_path):
    import subprocess
    import sys
    import time

    from ingest.ops_views import refresh_ops_views, refresh_ops_views_quietly

    con = connect(lake)
    try:
        assert refresh_ops_views(con, lake) == []
        assert con.execute("SELECT count(*) FROM duckdb_views() WHERE schema_name = 'ops'").fetchall() == [(0,)]
    finally:
        con.close()
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            ("import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('locked', flush=True); time.sleep(30)"),
            str(lake.warehouse),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        make_batch(landing, HJ.id, BATCH, {FILE: gb([person(1)])})
        t = time.perf_counter()
        results = ingest.ingest_landing(landing, lake)
        assert [r.status for r in results] == ["loaded"]
        assert refresh_ops_views_quietly(lake, attempts=2, first_wait=0.05) == []
        assert time.perf_counter() - t < 20
    finally:
        holder.kill()
        holder.wait()
    assert "ops.ingest_log" in refresh_ops_views_quietly(lake)


def test_blank_lines_are_not_records_but_lines_still_count(lake, landing):
    rows = [person(1), b"", person(2), b"short,row"]
    d = make_batch(landing, HJ.id, BATCH, {FILE: gb(rows)})
    r = ingest.ingest_batch(HJ, d, lake)
    assert (r.rows_read, r.rows_written, r.rows_quarantined) == (3, 2, 1)
    assert [x["_row_no"] for x in read_raw(lake, HJ.id, BATCH)] == [1, 2]
    (bad,) = read_quarantined_rows(lake, HJ.id, BATCH)
    assert (bad["row_no"], bad["line"]) == (3, 5)  # record 3 sits on line 5: header, 1, blank, 2, bad


def test_a_full_disk_fails_the_batch_with_one_line_not_a_traceback(lake, landing, monkeypatch, caplog):
    """The lake's disk is not a bug: the console (the log's stderr) gets the cause and the
    remedy, the batch fails with nothing committed, and the next run loads it."""
    d = make_batch(landing, HJ.id, BATCH, {FILE: gb([person(1)])})

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device", str(lake.raw))

    monkeypatch.setattr(runner, "_verify", full)
    r = ingest.ingest_batch(HJ, d, lake)
    assert r.status == "failed" and "No space left on device" in r.messages[-1]
    [record] = [rec for rec in caplog.records if rec.name == runner.log.name]
    assert record.exc_info is None and "free space" in record.getMessage()
    assert not lake.raw_partition(HJ.id, BATCH).exists()
    monkeypatch.undo()
    assert ingest.ingest_batch(HJ, d, lake).status == "loaded"
