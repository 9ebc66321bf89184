"""A returned workbook comes from outside the lake: a file that is not an XLSX, too large, or
a zip bomb is refused with a clear message before openpyxl parses it (quality/xlsx_guard.py),
and nothing is recorded."""

from __future__ import annotations

import dataclasses
import io
import zipfile

import pytest
from openpyxl import Workbook

from quality.feedback import FeedbackError, import_feedback
from quality.work_orders import load_config


def _limits(**changed):
    config = load_config()
    return dataclasses.replace(config, limits={**config.limits, **changed})


def _workbook(path):
    wb = Workbook()
    wb.active.append(["问题编号"])
    wb.save(path)
    return path


def test_a_file_that_is_not_an_xlsx_is_refused(lake, tmp_path):
    path = tmp_path / "returned.xlsx"
    path.write_text("问题编号,整改状态\nabc,已整改\n", encoding="utf-8")
    with pytest.raises(FeedbackError, match=r"returned.xlsx: not an XLSX workbook \(an XLSX file is a zip archive"):
        import_feedback(lake, path, by="公安-王")


def test_a_zip_bomb_is_refused_before_it_is_decompressed(lake, tmp_path):
    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/sharedStrings.xml", b"0" * 20_000_000)  # deflates about 1000:1
    with pytest.raises(FeedbackError, match=r"part xl/sharedStrings.xml decompresses [\d,]+:1, over max_compression"):
        import_feedback(lake, path, by="公安-王")


def test_a_part_declaring_more_than_the_limit_is_refused(lake, tmp_path):
    path = _workbook(tmp_path / "big.xlsx")
    with pytest.raises(FeedbackError, match=r"part \S+ declares [\d,]+ bytes decompressed, over max_member_bytes 100"):
        import_feedback(lake, path, by="公安-王", config=_limits(max_member_bytes=100))


def test_a_file_over_the_size_limit_is_refused_unread(lake, tmp_path):
    path = _workbook(tmp_path / "huge.xlsx")
    with pytest.raises(FeedbackError, match=r"huge.xlsx: [\d,]+ bytes, over max_file_bytes 1,000 "):
        import_feedback(lake, path, by="公安-王", config=_limits(max_file_bytes=1000))


def test_a_zip_that_is_no_workbook_is_refused(lake, tmp_path):
    path = tmp_path / "notes.xlsx"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("notes.txt", "整改完毕")
    path.write_bytes(buffer.getvalue())
    with pytest.raises(FeedbackError, match=r"notes.xlsx: not a readable XLSX workbook"):
        import_feedback(lake, path, by="公安-王")


def test_a_workbook_that_is_no_work_order_is_refused(lake, tmp_path):
    path = _workbook(tmp_path / "plain.xlsx")
    with pytest.raises(FeedbackError, match="plain.xlsx: no sheet 工单: not a work-order workbook"):
        import_feedback(lake, path, by="公安-王")


def test_a_refused_file_is_recorded_in_the_audit_log_as_refused(lake, tmp_path):
    from govlake.audit import log_files

    path = tmp_path / "returned.xlsx"
    path.write_text("not a workbook", encoding="utf-8")
    with pytest.raises(FeedbackError):
        import_feedback(lake, path, by="公安-王")
    (log,) = log_files(lake)
    assert '"action": "work_order.feedback"' in log.read_text(encoding="utf-8")
    assert '"outcome": "refused"' in log.read_text(encoding="utf-8")


def test_a_part_lying_about_its_size_is_refused_when_read(lake, tmp_path):
    from tests.lake_fixtures import xlsx_bytes, xlsx_with_huge_string

    sent = xlsx_bytes("违规明细", ["问题编号"], [["PLACEHOLDER"]], other_sheets={"工单": [["工单编号 work order id"]]})
    path = tmp_path / "lying.xlsx"
    path.write_bytes(xlsx_with_huge_string(sent, "PLACEHOLDER", 50_000_000, declare=1000))
    with pytest.raises(FeedbackError, match=r"lying.xlsx: not a readable XLSX workbook \(BadZipFile: Bad CRC-32"):
        import_feedback(lake, path, by="公安-王")
