"""Masking by value pattern: ID numbers and mobiles found anywhere in a text.

Masking by column (quality/masking.py, the report's SQL) trusts that a value sits in the
column it was delivered for. A hostile or broken delivery breaks that: a CSV without its
header line puts a person's row into an error message, an ID number shifts into the region
column, a party code arrives as `ID:3723…`. So whatever leaves the lake as text — the
steward report, the department workbooks, the ingest log, console lines, task errors — also
passes through mask_text, which masks every run of characters shaped like an ID number
(18 characters: 6 digits, a calendar-shaped birth date 19xx/20xx, 3 digits and a digit or X;
the legacy 15 digits with a 6-digit date) or a mainland mobile (11 digits starting 13-19),
wherever it stands and whatever its check digit (docs/masking.md#masks: ID numbers keep
6 + 4, mobiles 3 + 4). A digit run longer than these is left alone (it is no such number),
and so is a digits-only USCC, whose characters 7-14 are no date.
"""

from __future__ import annotations

import logging
import re
import sys
import traceback
import unicodedata

# not preceded or followed by another digit: "ID:371602199001011234" matches,
# "2026100112345678901234" (22 digits) does not
_DATE = r"(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])"
_ID18 = re.compile(r"(?<![0-9])([0-9]{6})(?:19|20)[0-9]{2}" + _DATE + r"([0-9]{3}[0-9Xx])(?![0-9A-Za-z])")
_ID15 = re.compile(r"(?<![0-9])([0-9]{6})[0-9]{2}" + _DATE + r"([0-9]{3})(?![0-9])")
_MOBILE = re.compile(r"(?<![0-9])(1[3-9][0-9])[0-9]{4}([0-9]{4})(?![0-9])")


def mask_text(text: str) -> str:
    """`text` with every ID-number-like and mobile-like run masked."""
    if not text or not any(c.isdigit() for c in text):
        return text
    text = _ID18.sub(lambda m: f"{m.group(1)}********{m.group(2)}", text)
    text = _ID15.sub(lambda m: f"{m.group(1)}******{m.group(2)}", text)
    return _MOBILE.sub(lambda m: f"{m.group(1)}****{m.group(2)}", text)


def mask_shapes(text: str) -> str:
    """mask_text, and when the NFKC form (full-width digits made ASCII) hides more, that form masked:
    an ID number typed in full-width digits is still an ID number."""
    masked = mask_text(text)
    folded = unicodedata.normalize("NFKC", masked)
    refolded = mask_text(folded)
    return refolded if refolded != folded else masked


def find_unmasked(text: str) -> list[str]:
    """Every ID-number-like or mobile-like run in `text` that mask_text would mask: what a scan
    of something leaving the lake must not find."""
    return [m.group(0) for pattern in (_ID18, _ID15, _MOBILE) for m in pattern.finditer(text or "")]


def mask_value(value):
    """mask_text for text; anything else as it is (numbers, dates, None)."""
    return mask_text(value) if isinstance(value, str) else value


def mask_record(value):
    """mask_value through dicts, lists and tuples (a task's result, a log record)."""
    if isinstance(value, dict):
        return {k: mask_record(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(mask_record(v) for v in value)
    return mask_value(value)


_installed = False


def install_masking() -> None:
    """Mask by value pattern everything this process logs or prints as a traceback.

    Messages quote what they are about, and a hostile delivery puts a person's row where a
    column name was expected; a bug's exception text may quote a row too. So every log
    record (whatever the logger or handler: Airflow's task logs, the console, files) has
    its message and traceback masked when it is created, and an uncaught exception's
    traceback is masked before it is printed. Idempotent; the CLI, the DAG files and
    ingest's worker processes call it at start."""
    global _installed
    if _installed:
        return
    _installed = True
    make_record = logging.getLogRecordFactory()

    def masked_record(*args, **kwargs) -> logging.LogRecord:
        record = make_record(*args, **kwargs)
        _mask_log_record(record)
        return record

    logging.setLogRecordFactory(masked_record)

    def masked_excepthook(kind, value, tb) -> None:
        sys.stderr.write(format_exception_masked(value))

    sys.excepthook = masked_excepthook


def format_exception_masked(exc: BaseException) -> str:
    """The traceback Python would print for `exc`, masked."""
    return mask_text("".join(traceback.format_exception(exc)))


def _mask_log_record(record: logging.LogRecord) -> None:
    try:
        message = record.getMessage()
    except Exception:  # a malformed format: the handler will say so; keep the parts masked
        record.msg, record.args = mask_record(record.msg), mask_record(record.args)
        return
    masked = mask_text(message)
    if masked != message:
        record.msg, record.args = masked, None
    if record.exc_info and record.exc_info[1] is not None and not record.exc_text:
        record.exc_text = format_exception_masked(record.exc_info[1]).rstrip("\n")
