"""Identifier algorithms of docs/identifiers.md, scalar form.

The generator uses these to mint valid numbers (and break them on purpose); the
quality layer runs the same algorithms vectorised in DuckDB and is tested
against these and python-stdnum.
"""

from __future__ import annotations

import re
from datetime import date

from stdnum.cn import ric as _ric
from stdnum.cn import uscc as _uscc
from stdnum.iso7064 import mod_37_36

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
_PATENT_WEIGHTS = (2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5)
INDUSTRY_SECTIONS = {
    "A": (1, 5),
    "B": (6, 12),
    "C": (13, 43),
    "D": (44, 46),
    "E": (47, 50),
    "F": (51, 52),
    "G": (53, 60),
    "H": (61, 62),
    "I": (63, 65),
    "J": (66, 69),
    "K": (70, 70),
    "L": (71, 72),
    "M": (73, 75),
    "N": (76, 79),
    "O": (80, 82),
    "P": (83, 83),
    "Q": (84, 85),
    "R": (86, 90),
    "S": (91, 97),
    "T": (98, 98),
}
MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")
ICD10_RE = re.compile(r"^[A-Z]\d{2}(\.[0-9X]{1,2})?$")
LICENCE_RE = re.compile(
    r"^1\.2\.156\.3005\.2\.(?P<type>[0-9A-Z]{21})\.(?P<issuer>[0-9A-Z]{18})\."
    r"(?P<serial>\d{7})\.(?P<version>\d{3})\.(?P<check>[0-9A-Z])$"
)
PATENT_RE = re.compile(r"^CN(?P<digits>\d{12})\.(?P<check>[0-9X])$")


# --- 公民身份号码 GB 11643 -------------------------------------------------
# The check character is ID_CARD_CHECK_CHARS[sum(weight * digit) % 11] over the first 17
# digits (weights 2^(17-i) mod 11). id_card_check below asks python-stdnum; the synthetic
# city mints a million numbers at once with these constants in numpy (synth/population.py);
# tests/unit/test_identifiers.py holds the two to the same answer.
ID_CARD_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CARD_CHECK_CHARS = "10X98765432"


def id_card_check(body17: str) -> str:
    # stdnum expects the whole number and ignores its last character
    return _ric.calc_check_digit(body17 + "0")


def make_id_card(region: str, birth: date, sequence: int) -> str:
    """An 18-digit number; `sequence` 0-999, its parity carries the gender."""
    body = f"{region}{birth:%Y%m%d}{sequence:03d}"
    return body + id_card_check(body)


def id15_to_18(id15: str) -> str:
    body = id15[:6] + "19" + id15[6:15]
    return body + id_card_check(body)


def id_card_birth_date(number: str) -> date | None:
    try:
        return date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return None


def is_valid_id_card(number: str) -> bool:
    """18 characters, a real calendar date, the right check character (upper-case X).

    Whether the date is plausible (1900 to today) is a separate rule: docs/identifiers.md#birth-date
    lists 440524188001010014 (born 1880) as a valid number.
    """
    if len(number) != 18 or not number[:17].isdigit():
        return False
    if id_card_birth_date(number) is None:
        return False
    return number[17] == id_card_check(number[:17])


def id_card_birth_plausible(number: str, today: date | None = None) -> bool:
    born = id_card_birth_date(number)
    return born is not None and born.year >= 1900 and born <= (today or date.today())


def id_card_gender(number: str) -> str:
    """'1' 男 for an odd 17th digit, '2' 女 for an even one."""
    return "1" if int(number[16]) % 2 else "2"


# --- 统一社会信用代码 GB 32100 / 组织机构代码 GB 11714 ------------------------
def org_code_check(body8: str) -> str:
    s = sum(_org_value(c) * w for c, w in zip(body8, _ORG_WEIGHTS))
    check = 11 - s % 11
    return "X" if check == 10 else "0" if check == 11 else str(check)


def _org_value(c: str) -> int:
    return int(c) if c.isdigit() else ord(c) - ord("A") + 10


def uscc_check(body17: str) -> str:
    return _uscc.calc_check_digit(body17)


def make_uscc(authority: str, kind: str, region: str, org_body8: str) -> str:
    """Registration authority + entity type + region + organisation code + check."""
    body = f"{authority}{kind}{region}{org_body8}{org_code_check(org_body8)}"
    return body + uscc_check(body)


def is_valid_uscc(code: str) -> bool:
    if len(code) != 18 or any(c not in USCC_ALPHABET for c in code):
        return False
    if not code[2:8].isdigit():
        return False
    return code[16] == org_code_check(code[8:16]) and code[17] == uscc_check(code[:17])


# --- 电子证照标识 GB/T 36904 ------------------------------------------------
def make_licence_id(type_code: str, issuer_uscc: str, serial: int, version: int = 1) -> str:
    payload = f"{type_code}{issuer_uscc}{serial:07d}{version:03d}"
    check = mod_37_36.calc_check_digit(payload)
    return f"1.2.156.3005.2.{type_code}.{issuer_uscc}.{serial:07d}.{version:03d}.{check}"


def is_valid_licence_id(value: str) -> bool:
    m = LICENCE_RE.match(value)
    if not m:
        return False
    payload = m["type"] + m["issuer"] + m["serial"] + m["version"]
    return mod_37_36.calc_check_digit(payload) == m["check"]


# --- 专利申请号 -------------------------------------------------------------
def patent_check(digits12: str) -> str:
    s = sum(int(d) * w for d, w in zip(digits12, _PATENT_WEIGHTS)) % 11
    return "X" if s == 10 else str(s)


def make_patent_no(year: int, kind: int, sequence: int) -> str:
    digits = f"{year:04d}{kind}{sequence:07d}"
    return f"CN{digits}.{patent_check(digits)}"


def is_valid_patent_no(value: str) -> bool:
    m = PATENT_RE.match(value)
    return bool(m) and patent_check(m["digits"]) == m["check"] and m["digits"][4] in "123"


# --- simple formats --------------------------------------------------------
def is_valid_mobile(value: str) -> bool:
    return bool(MOBILE_RE.match(value))


def is_valid_icd10(value: str) -> bool:
    return bool(ICD10_RE.match(value))


def is_valid_industry(value: str) -> bool:
    if len(value) != 5 or value[0] not in INDUSTRY_SECTIONS or not value[1:].isdigit():
        return False
    lo, hi = INDUSTRY_SECTIONS[value[0]]
    return lo <= int(value[1:3]) <= hi
