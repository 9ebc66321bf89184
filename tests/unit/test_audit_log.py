"""The audit log (govlake/audit.py): one masked JSON line per event, who/when/what/outcome, a
hash chain that `verify` walks to the first broken line, and the typed relation over the files."""

from __future__ import annotations

import errno
import json
import os

import duckdb
import pytest

from govlake import audit

ID_NO, MOBILE = "371602199001011234", "13912345678"


def _lines(lake) -> list[str]:
    return [line for f in audit.log_files(lake) for line in f.read_text(encoding="utf-8").splitlines()]


def _write(lake, n: int) -> None:
    for i in range(n):
        audit.record(lake, "test.event", subject=f"thing {i}", outcome="ok", details={"i": i})


def test_a_record_is_one_json_line_saying_who_when_what_and_the_outcome(lake, monkeypatch):
    for var in audit.AIRFLOW_ENV.values():
        monkeypatch.delenv(var, raising=False)
    audit.record(lake, "export.report", subject="index.html", outcome="ok", details={"workbooks": 3}, actor="张三")
    (line,) = _lines(lake)
    rec = json.loads(line)
    assert audit.log_files(lake)[0].name == f"audit-{rec['at'][:7]}.jsonl"
    assert rec["at"].endswith("+00:00")
    assert (rec["action"], rec["subject"], rec["outcome"], rec["actor"]) == (
        "export.report",
        "index.html",
        "ok",
        "张三",
    )
    assert rec["details"] == {"workbooks": 3}
    assert rec["user"] and rec["host"] and isinstance(rec["pid"], int) and rec["airflow"] is None
    assert (rec["seq"], rec["prev"], rec["hash"]) == (1, audit.GENESIS, audit.record_hash(rec))


def test_inside_an_airflow_task_the_record_names_dag_run_task_and_try(lake, monkeypatch):
    context = {"DAG_ID": "ingest__gaj__household_register", "DAG_RUN_ID": "manual__1", "TASK_ID": "ingest"}
    for key, value in {**context, "TRY_NUMBER": "2"}.items():
        monkeypatch.setenv(f"AIRFLOW_CTX_{key}", value)
    rec = audit.record(lake, "ingest.batch", subject="s/b", outcome="loaded")
    assert rec["airflow"] == {
        "dag_id": "ingest__gaj__household_register",
        "run_id": "manual__1",
        "task_id": "ingest",
        "try_number": 2,
    }


def test_id_numbers_and_mobiles_in_free_text_are_masked_before_writing(lake):
    audit.record(
        lake, "dispute.file", subject=f"entity {ID_NO}", outcome="ok", actor=f"窗口 {MOBILE}", details={"note": ID_NO}
    )
    text = audit.log_files(lake)[0].read_text(encoding="utf-8")
    assert ID_NO not in text and MOBILE not in text
    assert "371602********1234" in text and "139****5678" in text
    assert audit.verify(lake).ok


def test_each_record_chains_on_the_one_before(lake):
    _write(lake, 3)
    recs = [json.loads(line) for line in _lines(lake)]
    assert [r["seq"] for r in recs] == [1, 2, 3]
    assert [r["prev"] for r in recs] == [audit.GENESIS, recs[0]["hash"], recs[1]["hash"]]
    result = audit.verify(lake)
    assert (result.ok, result.records, result.head) == (True, 3, recs[-1]["hash"])


def test_a_new_months_file_continues_the_chain(lake):
    _write(lake, 2)
    (current,) = audit.log_files(lake)
    current.rename(current.with_name("audit-2000-01.jsonl"))  # as if written in an earlier month
    _write(lake, 1)
    assert [f.name for f in audit.log_files(lake)] == ["audit-2000-01.jsonl", current.name]
    result = audit.verify(lake)
    assert (result.ok, result.records, result.files) == (True, 3, 2)


def _rewrite(path, lines: list[str]) -> None:
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")


def test_an_edited_line_is_reported_with_its_file_and_line(lake):
    _write(lake, 4)
    (path,) = audit.log_files(lake)
    lines = _lines(lake)
    lines[2] = lines[2].replace('"outcome": "ok"', '"outcome": "failed"')
    _rewrite(path, lines)
    broken = audit.verify(lake).broken
    assert (broken.file, broken.line) == (path, 3)
    assert "edited" in broken.problem


def test_a_deleted_line_is_reported_where_the_chain_breaks(lake):
    _write(lake, 4)
    (path,) = audit.log_files(lake)
    lines = _lines(lake)
    _rewrite(path, lines[:1] + lines[2:])
    result = audit.verify(lake)
    assert (result.broken.line, result.records) == (2, 1)
    assert "deleted" in result.broken.problem


def test_swapped_lines_are_reported(lake):
    _write(lake, 4)
    (path,) = audit.log_files(lake)
    lines = _lines(lake)
    _rewrite(path, [lines[0], lines[2], lines[1], lines[3]])
    assert audit.verify(lake).broken.line == 2


def test_an_edit_with_a_recomputed_hash_still_breaks_the_next_link(lake):
    _write(lake, 3)
    (path,) = audit.log_files(lake)
    recs = [json.loads(line) for line in _lines(lake)]
    recs[1]["outcome"] = "failed"
    recs[1]["hash"] = audit.record_hash(recs[1])
    _rewrite(path, [json.dumps(r, ensure_ascii=False) for r in recs])
    broken = audit.verify(lake).broken
    assert broken.line == 3 and "does not chain" in broken.problem


def test_a_log_that_cannot_be_written_raises_naming_the_unrecorded_action(lake):
    lake.home.mkdir(parents=True)
    lake.audit.write_text("not a directory")  # any OSError: a full disk, a read-only mount
    with pytest.raises(audit.AuditError, match="could not be written.*unrecorded: quality.gate G-1"):
        audit.record(lake, "quality.gate", subject="G-1", outcome="passed")


def test_a_disk_filling_mid_record_names_the_full_disk_and_leaves_no_half_record(lake, monkeypatch):
    _write(lake, 1)
    (path,) = audit.log_files(lake)
    before = path.read_bytes()
    real_write, calls = os.write, []

    def filling(fd, data):  # what a full disk does: part of the bytes, then ENOSPC
        calls.append(len(data))
        if len(calls) == 1:
            return real_write(fd, data[:10])
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(audit.os, "write", filling)
    with pytest.raises(audit.AuditError, match="No space left on device"):
        audit.record(lake, "test.event", subject="x", outcome="ok")
    assert path.read_bytes() == before


def test_a_damaged_last_record_stops_the_chain_from_going_on(lake):
    _write(lake, 1)
    (path,) = audit.log_files(lake)
    with path.open("a", encoding="utf-8") as f:
        f.write('{"seq": 2, "act\n')
    with pytest.raises(audit.AuditError, match="damaged"):
        audit.record(lake, "test.event", subject="x", outcome="ok")


def test_a_recorded_block_writes_its_outcome_when_it_ends(lake):
    with audit.recorded(lake, "pipeline.run", subject="landing", started=True) as entry:
        audit.annotate("held", batches=2)
        assert entry.outcome == "held"
    recs = [json.loads(line) for line in _lines(lake)]
    assert [(r["outcome"], r["details"]) for r in recs] == [("started", {}), ("held", {"batches": 2})]


def test_a_block_that_raises_is_recorded_as_refused_or_failed_with_the_error(lake):
    with pytest.raises(ValueError), audit.recorded(lake, "dispute.reject", subject="DSP-1", refused=(ValueError,)):
        raise ValueError(f"ticket DSP-1 is closed; filed by {MOBILE}")
    with pytest.raises(SystemExit), audit.recorded(lake, "pipeline.run", subject="landing"):
        raise SystemExit(1)
    with pytest.raises(RuntimeError), audit.recorded(lake, "export.curated", subject="curated"):
        raise RuntimeError("disk")
    recs = [json.loads(line) for line in _lines(lake)]
    assert [(r["outcome"], r["details"]["error"]) for r in recs] == [
        ("refused", "ValueError: ticket DSP-1 is closed; filed by 139****5678"),
        ("failed", "exit code 1"),
        ("failed", "RuntimeError: disk"),
    ]


def test_the_typed_relation_reads_every_record(lake, monkeypatch):
    monkeypatch.setenv("AIRFLOW_CTX_DAG_ID", "transform__dbt_build")
    monkeypatch.setenv("AIRFLOW_CTX_TRY_NUMBER", "1")
    audit.record(lake, "quality.gate", subject="G-1", outcome="held", details={"held": ["s b"], "batches": 4})
    rel = duckdb.sql(audit.select_sql(lake))
    types = dict(zip(rel.columns, (str(t) for t in rel.types)))
    assert (types["seq"], types["at"], types["pid"], types["details"]) == (
        "BIGINT",
        "TIMESTAMP WITH TIME ZONE",
        "INTEGER",
        "JSON",
    )
    ((dag_id, try_number, batches, file),) = duckdb.sql(
        f"SELECT dag_id, try_number, details->>'$.batches', file FROM ({audit.select_sql(lake)})"
    ).fetchall()
    assert (dag_id, try_number, batches, file) == ("transform__dbt_build", 1, "4", audit.log_files(lake)[0].name)


def test_paths_and_dates_in_details_are_kept_as_masked_text_and_verify(lake, tmp_path):
    from datetime import date

    rec = audit.record(
        lake, "export.report", subject="x", outcome="ok", details={"page": tmp_path / MOBILE, "day": date(2026, 12, 1)}
    )
    assert rec["details"] == {"page": str(tmp_path / "139****5678"), "day": "2026-12-01"}
    assert audit.verify(lake).ok
