"""The staging rules restated in Python, value by value: the oracle the dbt models are checked against.

Identifier checks come from govlake.identifiers (itself tested against python-stdnum);
the rest follows the comments of the dbt macros. `expected(kind, text, ...)` gives the
(value, flag) a staging model must hold for a delivered text.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from fractions import Fraction

from govlake import identifiers as ids
from govlake.registry.layouts import layout_pattern

ABSENT = {"", "null", "-", "无"}
BLANKS = " \t\n\v\f\r\u00a0\u3000\ufeff"
EXCEL_DAY0 = date(1899, 12, 30)
BLOCKING = {"bad_check_digit", "bad_format", "impossible_date"}


def clean(text: str | None) -> str | None:
    if text is None:
        return None
    t = text.strip(BLANKS)
    return None if t.lower() in ABSENT else t


def _day(y: str, m: str, d: str):
    try:
        return date(int(y), int(m), int(d)), None
    except ValueError:
        return None, "impossible_date"


def to_date(t: str, excel_serial: bool):
    if re.fullmatch(r"[0-9]{8}", t):
        return _day(t[:4], t[4:6], t[6:8])
    m = re.fullmatch(r"([0-9]{4})[-/.]([0-9]{1,2})[-/.]([0-9]{1,2})", t)
    if m:
        return _day(*m.groups())
    if excel_serial and re.fullmatch(r"[0-9]{1,5}(\.[0-9]*)?", t):
        return EXCEL_DAY0 + timedelta(days=int(t.split(".")[0])), None
    return None, "bad_format"


def to_timestamp(t: str):
    if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}[ T][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,6})?)?", t):
        return None, "bad_format"
    try:
        return datetime.fromisoformat(t.replace("T", " ")), None
    except ValueError:
        return None, "impossible_date"


def to_integer(t: str):
    if re.fullmatch(r"[+-]?[0-9]{1,9}(\.0*)?", t):
        return int(t.split(".")[0]), None
    return None, "bad_format"


def to_decimal(t: str):
    try:
        d = Decimal(t).quantize(Decimal("0.000001"), rounding=ROUND_HALF_UP)
    except InvalidOperation:
        return None, "bad_format"
    return (d, None) if d.is_finite() and abs(d) < Decimal(10) ** 12 else (None, "bad_format")


def id_card(t: str):
    if re.fullmatch(r"[0-9]{17}[0-9Xx]", t):
        n = t.upper()
        if ids.id_card_birth_date(n) is None:
            return n, "bad_format"
        if n[17] != ids.id_card_check(n[:17]):
            return n, "bad_check_digit"
        return n, ("lowercase_x" if t[17] == "x" else None)
    if re.fullmatch(r"[0-9]{15}", t):
        if ids.id_card_birth_date(t[:6] + "19" + t[6:]) is None:
            return t, "bad_format"
        return ids.id15_to_18(t), "legacy_15_digit_id"
    return t.upper(), "bad_format"


def uscc(t: str):
    u = t.upper()
    if not (len(u) == 18 and all(c in ids.USCC_ALPHABET for c in u) and u[2:8].isdigit()):
        return u, "bad_format"
    if not ids.is_valid_uscc(u):
        return u, "bad_check_digit"
    return u, ("lowercase" if t != u else None)


def licence_id(t: str):
    u = t.upper()
    if not ids.LICENCE_RE.match(u):
        return u, "bad_format"
    return u, (None if ids.is_valid_licence_id(u) else "bad_check_digit")


def patent_no(t: str):
    u = t.upper()
    m = ids.PATENT_RE.match(u)
    if not m or m["digits"][4] not in "123":
        return u, "bad_format"
    return u, (None if ids.is_valid_patent_no(u) else "bad_check_digit")


def party_code(t: str):
    as_id, as_uscc = id_card(t), uscc(t)
    if as_id[1] not in BLOCKING:
        return as_id
    if as_uscc[1] not in BLOCKING:
        return as_uscc
    if re.fullmatch(r"[0-9]{15}|[0-9]{17}[0-9Xx]", t):
        return t.upper(), as_id[1]
    return t.upper(), as_uscc[1]


def region(t: str, batch: str, city):
    r = next((r for r in city.regions if r.code == t), None)
    if r is None:
        return t, "unknown_region_code"
    retired = r.valid_to is not None and r.valid_to <= date.fromisoformat(batch)
    return (t if r.current else city.successor(t)), ("retired_region_code" if retired else None)


def declared(parsed: tuple, t: str, layout: str | None, excel_serial: bool) -> tuple:
    """A date read from another layout than its column's declared one keeps its value, flagged
    off_layout; in an XLSX source a serial number (a date cell) follows every layout."""
    value, flag = parsed
    if value is None or layout is None or re.fullmatch(layout_pattern(layout), t):
        return parsed
    if excel_serial and re.fullmatch(r"[0-9]{1,5}(\.[0-9]*)?", t):
        return parsed
    return value, "off_layout"


def expected(kind: str, text: str | None, *, excel_serial: bool, batch: str, city, layout: str | None = None):
    """(value, flag) of a staging column of `kind` (govlake.staging_contract.column_kind) for delivered `text`;
    `layout` is a date or date-time column's declared one (govlake/registry/layouts.py)."""
    t = clean(text)
    if t is None:
        return None, None
    if kind == "date":
        return declared(to_date(t, excel_serial), t, layout, excel_serial)
    if kind == "datetime":
        return declared(to_timestamp(t), t, layout, False)
    simple = {
        "integer": to_integer,
        "decimal": to_decimal,
        "id_card": id_card,
        "uscc": uscc,
        "licence_id": licence_id,
        "patent_no": patent_no,
        "party_code": party_code,
    }
    if kind in simple:
        return simple[kind](t)
    if kind == "region":
        return region(t, batch, city)
    return t, None


def polygon_centroid(ring: list[list[float]]) -> tuple[float, float] | None:
    """Area-weighted centroid of a ring (shoelace), in exact rational arithmetic.

    In floats, the textbook formula on absolute lon/lat loses ~3 m at parcel size (the
    cross products of ~118 x 37 cancel to ~1e-6); Fractions make the oracle exact.
    """
    pts = [(Fraction(x), Fraction(y)) for x, y in ring]
    n, a2, cx, cy = len(pts), Fraction(0), Fraction(0), Fraction(0)
    for i in range(n):
        (x0, y0), (x1, y1) = pts[i], pts[(i + 1) % n]
        cross = x0 * y1 - x1 * y0
        a2 += cross
        cx += (x0 + x1) * cross
        cy += (y0 + y1) * cross
    return None if a2 == 0 else (float(cx / (3 * a2)), float(cy / (3 * a2)))
