"""The steward report speaks Chinese first: every code the project writes into a finding has its
Chinese in quality/report/vocabulary.yaml, and details are translated piece by piece."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from quality.report.vocabulary import detail_zh, label, zh

ROOT = Path(__file__).resolve().parents[2]


def _ingest_reasons() -> set[str]:
    """Reason codes ingestion writes for quarantined rows and rejected files."""
    pattern = re.compile(r'reason\s*=\s*"([a-z_]+)"|"(undecodable|noncharacter)"')
    found = set()
    for path in (ROOT / "ingest").rglob("*.py"):
        for m in pattern.finditer(path.read_text(encoding="utf-8")):
            found.add(m.group(1) or m.group(2))
    return found


def _staging_flags() -> set[str]:
    """The flag codes of the identifier and date macros staging writes into <col>_flag."""
    pattern = re.compile(r"(?:then|else) '([a-z][a-z0-9_]+)'")
    found = set()
    for path in (ROOT / "dbt_project" / "macros").rglob("*.sql"):
        if path.name != "recompute_scope.sql":  # names key columns, not flags
            found |= set(pattern.findall(path.read_text(encoding="utf-8")))
    return found - {"year", "quarter", "month"}  # date grains, not flags


def test_every_reason_code_of_ingestion_has_chinese():
    reasons = _ingest_reasons()
    assert {"too_few_fields", "undecodable", "malformed_json"} <= reasons
    assert sorted(r for r in reasons if not zh("reason", r)) == []


def test_every_flag_of_staging_has_chinese():
    flags = _staging_flags()
    assert {"bad_check_digit", "impossible_date", "unknown_person"} <= flags
    assert sorted(f for f in flags if not zh("reason", f)) == []


def test_every_conflict_rule_has_chinese():
    models = yaml.safe_load((ROOT / "dbt_project/models/base/conflicts/_models.yml").read_text(encoding="utf-8"))
    (observation,) = [m for m in models["models"] if m["name"] == "base_conflicts__observation"]
    (test,) = [t for t in observation["data_tests"] if "accepted_values" in t]
    rules = test["accepted_values"]["arguments"]["values"]
    assert sorted(r for r in rules if not zh("conflict_rule", r)) == []


def test_a_cell_shows_chinese_first_and_the_code_beside():
    assert label("severity", "blocking") == "阻断 blocking"
    assert label("conflict_rule", "name_mismatch").endswith(" name_mismatch")
    assert label("severity", "unheard_of") == "unheard_of"


def test_a_column_flag_keeps_its_column_and_translates_its_code():
    assert detail_zh("id_no:bad_check_digit") == "id_no:校验码错误"


def test_a_reason_with_its_explanation_is_translated_in_both_parts():
    chinese = detail_zh("too_few_fields: expected 11 fields, found 10; missing 更新时间 (updated_at)")
    assert chinese == "字段数少于表头:应有 11 个字段,实有 10 个;缺少 更新时间 (updated_at)"


def test_a_gate_reason_is_translated():
    chinese = detail_zh("zrzy.land_parcel batch 2026-10-01: 1 file(s) rejected whole (accessibility.file_readable)")
    assert chinese == "zrzy.land_parcel 批次 2026-10-01:1 个文件被整体拒收"


def test_text_the_vocabulary_does_not_know_is_left_alone():
    assert detail_zh("something new") is None
