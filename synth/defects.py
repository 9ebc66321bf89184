"""Deliberate defects: which records may carry which kind, how each is injected, the truth rows.

Each delivery file has an Injector. With probability `rate` a record gets one
defect, of a kind drawn among those the record is eligible for (its columns'
checks, required flags, code lists, ranges, the source's rules, its file
format). A few defects are forced into fixed files so that every kind occurs
whenever defects are on; the truth file lists every injected defect with the
physical line it sits on, as delivered.
"""

from __future__ import annotations

import math
import random
import re
from dataclasses import dataclass
from datetime import date

from govlake.identifiers import (
    USCC_ALPHABET,
    is_valid_id_card,
    is_valid_licence_id,
    is_valid_patent_no,
    is_valid_uscc,
)
from govlake.registry import Registry, Source
from synth.formats import text

KINDS = (
    "bad_check_digit",
    "legacy_15_digit_id",
    "lowercase_x",
    "birth_date_vs_id",
    "gender_vs_id",
    "retired_region_code",
    "unknown_region_code",
    "blank_required",
    "code_not_in_list",
    "out_of_range",
    "impossible_date",
    "off_layout",
    "duplicate_key",
    "name_mismatch",
    "dead_person_paid",
    "deregistered_with_valid_licence",
    "taxpayer_active_but_deregistered",
    "undecodable_bytes",
    "short_row",
    "extra_column",
    "missing_column",
)
FILE_KINDS = ("extra_column", "missing_column")

# row flags a source attaches to a record
PROTECT = 1  # a deliberate change: keep it clean so history tests stay exact
HEAD = 2  # a household head: no duplicate, no relation code change
DEAD = 4  # the person died before this batch
STRUCK_OFF = 8  # the licence holder is a 注销/吊销 enterprise
CANCELLED = 16  # the taxpayer is 注销 in the enterprise register

# non-authoritative copies of a name held by 公安 or 市场监管
NAME_COPIES = {
    "swj.taxpayer": ("name",),
    "mzj.marriage_register": ("man_name", "woman_name"),
    "rsj.social_insurance": ("name",),
    "mzj.subsistence_allowance": ("name",),
    "xczx.monitored_household": ("head_name",),
    "xyzx.double_publicity": ("subject_name",),
    "dsj.e_licence": ("holder_name",),
}
# (source, status column, the forbidden value, flag that makes the record eligible)
STATUS_RULES = {
    "dead_person_paid": {
        "mzj.subsistence_allowance": ("status", "在保", DEAD),
        "rsj.social_insurance": ("status", "1", DEAD),
    },
    "deregistered_with_valid_licence": {"dsj.e_licence": ("status", "有效", STRUCK_OFF)},
    "taxpayer_active_but_deregistered": {"swj.taxpayer": ("tax_status", "正常", CANCELLED)},
}
RETIRED = {
    "371600": "372300",
    "371602": "372301",
    "371603": "371624",
    "371621": "372321",
    "371622": "372323",
    "371623": "372324",
    "371625": "372328",
    "371681": "371626",
}
UNKNOWN_REGIONS = ("371699", "371627", "371690", "379901")
EXTRA_HEADER = "备注"

# kind (and, for check digits, the check) -> (source, batch index): one forced occurrence each
FORCED = (
    (("bad_check_digit", "id_card"), "gaj.household_register", 0),
    (("bad_check_digit", "uscc"), "scjg.enterprise_register", 0),
    (("bad_check_digit", "licence_id"), "dsj.e_licence", 0),
    (("bad_check_digit", "patent_no"), "scjg.patent", 0),
    (("legacy_15_digit_id", None), "rsj.social_insurance", 0),
    (("lowercase_x", None), "gaj.household_register", 0),
    (("birth_date_vs_id", None), "gaj.household_register", 2),
    (("gender_vs_id", None), "gaj.household_register", 3),
    (("retired_region_code", None), "scjg.enterprise_register", 0),
    (("unknown_region_code", None), "zrzy.standard_address", 1),
    (("blank_required", None), "mzj.subsistence_allowance", 1),
    (("code_not_in_list", None), "gaj.household_register", 4),
    (("out_of_range", None), "mzj.subsistence_allowance", 2),
    (("impossible_date", None), "rsj.social_insurance", 1),
    (("off_layout", None), "scjg.enterprise_register", 1),
    (("duplicate_key", None), "swj.taxpayer", 2),
    (("name_mismatch", None), "swj.taxpayer", 0),
    (("dead_person_paid", None), "rsj.social_insurance", 2),
    (("deregistered_with_valid_licence", None), "dsj.e_licence", 0),
    (("taxpayer_active_but_deregistered", None), "swj.taxpayer", 2),
    (("undecodable_bytes", None), "gaj.household_register", 0),
    (("short_row", None), "rsj.social_insurance", 2),
    (("extra_column", None), "xczx.monitored_household", 1),
    (("missing_column", None), "zrzy.standard_address", 2),
)

_VALIDATORS = {
    "id_card": is_valid_id_card,
    "uscc": is_valid_uscc,
    "licence_id": is_valid_licence_id,
    "patent_no": is_valid_patent_no,
}


@dataclass(frozen=True)
class Truth:
    source: str
    batch: str
    file: str
    line: int
    record_key: str
    column: str
    kind: str
    original: str
    injected: str

    HEADER = ("source", "batch", "file", "line", "record_key", "column", "kind", "original", "injected")

    def row(self) -> tuple:
        return (
            self.source,
            self.batch,
            self.file,
            self.line,
            self.record_key,
            self.column,
            self.kind,
            self.original,
            self.injected,
        )


@dataclass
class Defect:
    kind: str
    col: int  # index into the source's columns, -1 for whole-row defects
    original: object
    injected: object
    op: str = "set"  # set | duplicate | short | bytes


class SourceDefects:
    """Which columns of a source each kind may hit (static part of eligibility)."""

    def __init__(self, registry: Registry, source: Source) -> None:
        self.source = source
        cols = source.columns
        self.key_idx = [source.column_names.index(k) for k in source.key]
        names = source.column_names
        self.name_idx = {n: i for i, n in enumerate(names)}
        self.slots: list[tuple[str, int]] = []
        keys = set(source.key)
        current = set(registry.city.current_codes)
        self.current_regions = current
        # columns a dedicated rule compares with the ID number get only that rule's kind,
        # so each injected defect produces one finding, not two
        dedicated = (
            {"birth_date", "gender"} if ("id_no" in names and "id_card" in source.column("id_no").checks) else set()
        )
        for i, c in enumerate(cols):
            checks = set(c.checks)
            for chk in ("id_card", "uscc", "licence_id", "patent_no"):
                if chk in checks:
                    self.slots.append(("bad_check_digit", i))
            if "id_card" in checks:
                self.slots += [("legacy_15_digit_id", i), ("lowercase_x", i)]
            if "region" in checks:
                self.slots += [("retired_region_code", i), ("unknown_region_code", i)]
            if c.name in keys or c.name == "geometry" or c.name in dedicated:
                continue
            if c.required:
                self.slots.append(("blank_required", i))
            if c.type == "code" and c.codes is not None and not c.checks:
                self.slots.append(("code_not_in_list", i))
            if c.range is not None:
                self.slots.append(("out_of_range", i))
            if c.type in ("date", "datetime"):
                self.slots += [("impossible_date", i), ("off_layout", i)]
        if "id_no" in names and "id_card" in source.column("id_no").checks:
            for col, kind in (("birth_date", "birth_date_vs_id"), ("gender", "gender_vs_id")):
                if col in names and col not in keys:
                    self.slots.append((kind, names.index(col)))
        for col in NAME_COPIES.get(source.id, ()):
            self.slots.append(("name_mismatch", names.index(col)))
        for kind, per_source in STATUS_RULES.items():
            if source.id in per_source:
                self.slots.append((kind, names.index(per_source[source.id][0])))
        self.slots.append(("duplicate_key", -1))
        if source.format == "csv":
            self.slots.append(("short_row", -1))
            if source.encoding == "gb18030":
                self.slots += [
                    ("undecodable_bytes", i) for i, c in enumerate(cols) if c.type == "string" and c.name not in keys
                ]
        self.codes = {i: set(registry.codes(c) or ()) for i, c in enumerate(cols)}
        self.by_kind: dict[str, list[int]] = {}
        for kind, col in self.slots:
            self.by_kind.setdefault(kind, []).append(col)

    def record_key(self, values: list) -> str:
        return "|".join(text(values[i]) for i in self.key_idx)


class Injector:
    """Decides, record by record, whether and how one file's record is damaged."""

    def __init__(
        self,
        spec: SourceDefects,
        rate: float,
        r: random.Random,
        forced: list[tuple[str, str | None]],
        dropped: int | None,
    ) -> None:
        self.spec = spec
        self.rate = rate
        self.r = r
        self.forced = [f for f in forced if f[0] not in FILE_KINDS]
        self.dropped = dropped
        self.seen = 0
        self.next_at = self._gap() if rate > 0 else -1
        # forced defects start a little way into the file, not always on its first record
        self.forced_from = r.randrange(1, 12)

    def _gap(self) -> int:
        # geometric gap: one draw per defect instead of one per record
        u = self.r.random()
        return self.seen + 1 + int(math.log(1.0 - u) / math.log(1.0 - self.rate)) if self.rate < 1 else self.seen + 1

    def draw(self, values: list, flags: int) -> Defect | None:
        self.seen += 1
        if flags & PROTECT:
            if self.next_at == self.seen:
                self.next_at += 1
            return None
        if self.forced and self.seen >= self.forced_from:
            for i, (kind, check) in enumerate(self.forced):
                d = self._try(kind, values, flags, check)
                if d is not None:
                    del self.forced[i]
                    if self.next_at == self.seen:
                        self.next_at += 1
                    return d
        if self.next_at != self.seen:
            return None
        # kind first, then column: a source with many required columns should not get
        # mostly blanks
        kinds = list(self.spec.by_kind)
        self.r.shuffle(kinds)
        for kind in kinds:
            cols = list(self.spec.by_kind[kind])
            self.r.shuffle(cols)
            for col in cols:
                d = self._attempt(kind, col, values, flags, None)
                if d is not None:
                    self.next_at = self._gap()
                    return d
        self.next_at += 1  # nothing fits this record: try the next one
        return None

    def _try(self, kind: str, values: list, flags: int, check: str | None) -> Defect | None:
        for k, col in self.spec.slots:
            if k == kind:
                d = self._attempt(kind, col, values, flags, check)
                if d is not None:
                    return d
        return None

    # --- one kind on one column -----------------------------------------------------
    def _attempt(self, kind: str, col: int, values: list, flags: int, check: str | None) -> Defect | None:
        if col >= 0 and col == self.dropped:
            return None
        spec, r = self.spec, self.r
        v = values[col] if col >= 0 else None
        if kind == "duplicate_key":
            return None if flags & HEAD else Defect(kind, -1, None, None, "duplicate")
        if kind == "short_row":
            return Defect(kind, -1, None, None, "short")
        column = spec.source.columns[col]
        if kind == "bad_check_digit":
            for chk in column.checks:
                if (
                    chk in _VALIDATORS
                    and (check is None or chk == check)
                    and isinstance(v, str)
                    and _VALIDATORS[chk](v)
                ):
                    return Defect(kind, col, v, v[:-1] + _other_check(v, chk, r))
            return None
        if kind in ("legacy_15_digit_id", "lowercase_x"):
            if not (isinstance(v, str) and is_valid_id_card(v)):
                return None
            if kind == "lowercase_x":
                return Defect(kind, col, v, v[:-1] + "x") if v.endswith("X") else None
            return Defect(kind, col, v, v[:6] + v[8:17]) if v[6:8] == "19" else None
        if kind in ("retired_region_code", "unknown_region_code"):
            if v not in spec.current_regions:
                return None
            new = RETIRED.get(v) if kind == "retired_region_code" else r.choice(UNKNOWN_REGIONS)
            return Defect(kind, col, v, new) if new else None
        if v is None or v == "":
            return None
        if kind == "blank_required":
            return Defect(kind, col, v, None)
        if kind == "code_not_in_list":
            return Defect(kind, col, v, _bogus_code(spec.codes[col], v))
        if kind == "out_of_range":
            return _out_of_range(kind, col, v, column.range)
        if kind == "impossible_date":
            return Defect(kind, col, v, _impossible_date(v, column.format or "", r))
        if kind == "off_layout":
            other = _off_layout(v, column, r)
            return Defect(kind, col, v, other) if other else None
        if kind == "birth_date_vs_id":
            return Defect(kind, col, v, _shift_yyyymmdd(v, 1 + r.randrange(400)))
        if kind == "gender_vs_id":
            return Defect(kind, col, v, "2" if v == "1" else "1")
        if kind == "name_mismatch":
            return Defect(kind, col, v, _other_name(v, r))
        if kind in STATUS_RULES:
            _, bad, flag = STATUS_RULES[kind][spec.source.id]
            return Defect(kind, col, v, bad) if flags & flag and v != bad else None
        if kind == "undecodable_bytes":
            return Defect(kind, col, v, v, "bytes") if isinstance(v, str) and not v.isascii() else None
        raise AssertionError(kind)


def _other_check(v: str, check: str, r: random.Random) -> str:
    alphabet = {
        "id_card": "0123456789X",
        "uscc": USCC_ALPHABET,
        "licence_id": "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ",
        "patent_no": "0123456789X",
    }[check]
    return r.choice([c for c in alphabet if c != v[-1]])


def _bogus_code(allowed: set[str], v: object) -> str:
    s = str(v)
    candidates = ["9" * len(s), "8" * len(s), "0" * len(s)] if s.isdigit() else ["未知", "其他", "待定"]
    return next(c for c in candidates if c not in allowed)


def _out_of_range(kind: str, col: int, v: object, bounds) -> Defect:
    lo, hi = bounds
    beyond = hi + max(1.0, (hi - lo) * 0.5)
    if isinstance(v, int):
        return Defect(kind, col, v, int(beyond))
    if isinstance(v, float):
        return Defect(kind, col, v, round(beyond + 0.5, 2))
    places = len(v.partition(".")[2])
    return Defect(kind, col, v, f"{beyond:.{places}f}" if places else str(int(beyond)))


def _impossible_date(v: object, fmt: str, r: random.Random) -> str:
    s = text(v)
    year = s[:4]
    feb30 = r.random() < 0.6
    if fmt.startswith("YYYY/M/D"):
        return f"{year}/2/30" if feb30 else f"{year}/13/1"
    if fmt == "YYYYMMDD":
        return f"{year}0230" if feb30 else f"{year}13{s[6:8]}"
    rest = s[10:]
    return (f"{year}-02-30" if feb30 else f"{year}-13-{s[8:10]}") + rest


# A date or date-time in a layout staging reads but its column does not declare (registry format,
# govlake/registry/layouts.py): the same day or moment, so only the layout is wrong.
_DATE_LAYOUTS = {
    "YYYYMMDD": lambda d: d.strftime("%Y%m%d"),
    "YYYY-MM-DD": lambda d: d.isoformat(),
    "YYYY/M/D": lambda d: f"{d.year}/{d.month}/{d.day}",
    "YYYY.MM.DD": lambda d: d.strftime("%Y.%m.%d"),
}


def _off_layout(v: object, column, r: random.Random) -> str | None:
    if column.type == "datetime":
        return v.replace(" ", "T", 1) if isinstance(v, str) and " " in v else None
    if isinstance(v, date):
        day = v
    else:
        digits = re.findall(r"[0-9]+", v) if isinstance(v, str) else []
        if len(digits) == 1 and len(digits[0]) == 8:
            digits = [digits[0][:4], digits[0][4:6], digits[0][6:]]
        if len(digits) != 3:
            return None
        day = date(*map(int, digits))
    return r.choice([render for name, render in _DATE_LAYOUTS.items() if name != column.layout])(day)


def _shift_yyyymmdd(v: str, days: int) -> str:
    from datetime import date, timedelta

    d = date(int(v[:4]), int(v[4:6]), int(v[6:8])) + timedelta(days=days)
    return d.strftime("%Y%m%d")


_NAME_SWAP = "伟芳娜敏静强磊军洋勇艳杰娟涛明超秀霞平刚桂"


def _other_name(v: str, r: random.Random) -> str:
    if v.endswith(("有限公司", "有限责任公司")):
        return v.replace("有限责任公司", "有限公司") if v.endswith("有限责任公司") else v[:-4] + "有限责任公司"
    if len(v) > 4:
        return v + "(分公司)"
    last = v[-1]
    return v[:-1] + r.choice([c for c in _NAME_SWAP if c != last])
