"""`govlake audit show` and `govlake audit verify` on a log written by govlake.audit."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from conductor.cli import app
from govlake import audit

runner = CliRunner()
WIDE = {"COLUMNS": "300", "NO_COLOR": "1"}


def _audit(lake, *args: str):
    return runner.invoke(app, ["audit", *args, "--home", str(lake.home)], env=WIDE)


def _log(lake) -> None:
    audit.record(lake, "ingest.batch", subject="gaj.household_register/2026-10-01", outcome="loaded")
    audit.record(lake, "dispute.file", subject="DSP-00001", outcome="ok", actor="窗口-李")
    audit.record(lake, "dispute.reject", subject="DSP-00001", outcome="refused", actor="公安-王")
    audit.record(lake, "dispute", subject="not a sub-action", outcome="ok")
    audit.record(lake, "disputes.other", subject="another action", outcome="ok")


def test_show_lists_the_newest_records_oldest_first(lake):
    _log(lake)
    shown = _audit(lake, "show", "--limit", "2")
    assert shown.exit_code == 0, shown.output
    assert "not a sub-action" in shown.output and "another action" in shown.output
    assert shown.output.index("not a sub-action") < shown.output.index("another action")
    assert "DSP-00001" not in shown.output


def test_show_filters_by_an_action_and_its_sub_actions(lake):
    _log(lake)
    shown = _audit(lake, "show", "--action", "dispute")
    assert shown.exit_code == 0, shown.output
    for expected in ("dispute.file", "dispute.reject", "窗口-李", "公安-王", "refused", "not a sub-action"):
        assert expected in shown.output
    assert "ingest.batch" not in shown.output and "another action" not in shown.output


def test_show_filters_by_time(lake):
    _log(lake)
    assert "ingest.batch" in _audit(lake, "show", "--since", "2000-01-01").output
    assert "No audit records" in _audit(lake, "show", "--since", "2999-01-01T00:00").output
    bad = _audit(lake, "show", "--since", "yesterday")
    assert bad.exit_code == 2 and "--since yesterday" in bad.output


def test_verify_passes_an_intact_log_and_names_its_head(lake):
    _log(lake)
    result = _audit(lake, "verify")
    head = json.loads(audit.log_files(lake)[0].read_text(encoding="utf-8").splitlines()[-1])["hash"]
    assert result.exit_code == 0, result.output
    assert "intact: 5 records" in result.output and head in result.output


def test_verify_fails_naming_the_file_and_line_of_an_edited_record(lake):
    _log(lake)
    (path,) = audit.log_files(lake)
    path.write_text(path.read_text(encoding="utf-8").replace("公安-王", "公安-赵"), encoding="utf-8")
    result = _audit(lake, "verify")
    assert result.exit_code == 1
    text = " ".join(result.output.split())
    assert f"{path} line 3" in text and "edited" in text and "2 records before it" in text
