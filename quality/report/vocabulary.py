"""Chinese for the codes and sentences the steward report shows: severities, statuses, conflict
rules, reason codes of staging and ingestion, and the details of findings.

    from quality.report.vocabulary import zh, detail_zh
    zh("severity", "blocking")                 # '阻断'
    detail_zh("id_no:bad_check_digit")         # 'id_no:校验码错误'
    detail_zh("rows sharing the key: 2")       # '同一主键的行数:2'

The words live in vocabulary.yaml beside this module. What it does not know it returns as None
(zh) or unchanged pieces (detail_zh returns None when nothing of the text was translated), so
the page shows the English alone rather than a wrong Chinese.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import yaml

VOCABULARY = Path(__file__).with_name("vocabulary.yaml")
_CODE_THEN_TEXT = re.compile(r"^(?P<code>[a-z][a-z0-9_]*): (?P<rest>.+)$", re.S)
_COLUMN_CODE = re.compile(r"^(?P<column>[a-z_][a-z0-9_]*):(?P<code>[a-z][a-z0-9_]*)$")


@lru_cache(maxsize=1)
def vocabulary() -> dict:
    words = yaml.safe_load(VOCABULARY.read_text(encoding="utf-8"))
    words["sentences"] = [(re.compile(s["en"], re.S), s["zh"]) for s in words["sentences"]]
    return words


def zh(kind: str, code: str | None) -> str | None:
    """The Chinese of a code of one kind (severity, status, conflict_rule, reason, …)."""
    return vocabulary().get(kind, {}).get(code) if code else None


def label(kind: str, code: str | None) -> str:
    """'中文 code' for a cell, or the code alone when it has no Chinese."""
    chinese = zh(kind, code)
    return f"{chinese} {code}" if chinese else (code or "")


def _sentence(text: str) -> str | None:
    for pattern, template in vocabulary()["sentences"]:
        m = pattern.match(text)
        if m:
            groups = {k: v or "" for k, v in m.groupdict().items()}
            extra = {f"{k}_zh": (_translate(v) if v else "") for k, v in groups.items()}
            extra["c_zh"] = zh("cadence", groups.get("c")) or groups.get("c", "")
            return template.format(**groups, **extra)
    return None


def _translate(text: str) -> str:
    """As much of text in Chinese as the vocabulary knows; the rest as it is."""
    sentence = _sentence(text)
    if sentence is not None:
        return sentence
    if zh("reason", text):
        return zh("reason", text)
    m = _COLUMN_CODE.match(text)
    if m and zh("reason", m["code"]):
        return f"{m['column']}:{zh('reason', m['code'])}"
    m = _CODE_THEN_TEXT.match(text)
    if m and zh("reason", m["code"]):
        return f"{zh('reason', m['code'])}:{_translate(m['rest'])}"
    if "; " in text:
        return ";".join(_translate(part) for part in text.split("; "))
    return text


def detail_zh(text: str | None) -> str | None:
    """The Chinese of a finding's detail, or None when the vocabulary knows none of it."""
    if not text:
        return None
    chinese = _translate(text)
    return chinese if chinese != text else None
