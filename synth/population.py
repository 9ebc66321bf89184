"""Persons and households of one population block, generated a whole block at a time.

A block is BLOCK consecutive person slots; households never cross a block, so
any person can be regenerated from (seed, block) alone. `identity()` draws only
what the ID number depends on (cheap: the world uses it to make every ID unique
before anything is written); `People` adds names, addresses and contact data.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np

from govlake.identifiers import ID_CARD_CHECK_CHARS, ID_CARD_WEIGHTS
from synth import vocab
from synth.geo import points
from synth.rng import stream
from synth.timeline import DAY_SECONDS, ed, years, ymd8

if TYPE_CHECKING:
    from synth.world import World

BLOCK = 4096
ED_2015 = 16436  # 2015-01-01: the register's oldest update stamps

HEAD, SPOUSE, CHILD, PARENT, OTHER = range(5)
_H, _S, _C, _P, _O = HEAD, SPOUSE, CHILD, PARENT, OTHER
# household compositions: roles in slot order (head first), weight, head age range
HH_TYPES = (
    ((_H,), 0.16, (20, 88)),
    ((_H, _S), 0.22, (24, 86)),
    ((_H, _S, _C), 0.22, (25, 62)),
    ((_H, _S, _C, _C), 0.15, (28, 62)),
    ((_H, _S, _C, _P), 0.06, (28, 55)),
    ((_H, _S, _C, _C, _P), 0.05, (30, 55)),
    ((_H, _C), 0.07, (25, 60)),
    ((_H, _S, _C, _C, _C), 0.04, (32, 60)),
    ((_H, _S, _O), 0.03, (25, 75)),
)
_SIZES = np.array([len(t[0]) for t in HH_TYPES])
_WEIGHTS = np.array([t[1] for t in HH_TYPES]) / sum(t[1] for t in HH_TYPES)
_ROLE_TABLE = np.full((len(HH_TYPES), _SIZES.max()), -1, dtype=np.int8)
for _i, _t in enumerate(HH_TYPES):
    _ROLE_TABLE[_i, : len(_t[0])] = _t[0]
_AGE_LO = np.array([t[2][0] for t in HH_TYPES], dtype=float)
_AGE_HI = np.array([t[2][1] for t in HH_TYPES], dtype=float)
SINGLE_TYPES = np.array([0, 6])  # households whose head is unmarried

RELATION = {HEAD: "02", SPOUSE: "10", PARENT: "50", OTHER: "99"}  # CHILD: 20 son / 30 daughter


class Lineage:
    """ID region codes by county and birth date, from the registry's code history.

    The code in an ID number is the one in force when the person was born; for
    births before the oldest code in the table, the oldest code(s).
    """

    def __init__(self, city) -> None:
        self.codes: list[str] = []
        self.segments: dict[int, list[tuple[int, int, list[int]]]] = {}
        for ci, county in enumerate(vocab.COUNTIES):
            ancestors = [r for r in city.regions if city.successor(r.code) == county]
            for r in ancestors:
                if r.code not in self.codes:
                    self.codes.append(r.code)
            bounds = sorted({ed(r.valid_from) for r in ancestors} | {ed(r.valid_to) for r in ancestors if r.valid_to})
            segs = []
            first = bounds[0]
            edges = [-(10**6)] + bounds[1:] + [10**6]
            for lo, hi in zip(edges, edges[1:]):
                probe = max(lo, first)
                live = [
                    self.codes.index(r.code)
                    for r in ancestors
                    if ed(r.valid_from) <= probe
                    and (r.valid_to is None or probe < ed(r.valid_to))
                    and r.level == "county"
                ]
                segs.append((lo, hi, live))
            self.segments[ci] = segs
        self.outside_base = len(self.codes)
        self.codes.extend(vocab.OUTSIDE_CODES)
        self.code_weight_sum = np.array([sum(int(d) * w for d, w in zip(c, ID_CARD_WEIGHTS[:6])) for c in self.codes])

    def assign(self, county: np.ndarray, birth: np.ndarray, pick: np.ndarray) -> np.ndarray:
        out = np.zeros(len(county), dtype=np.int16)
        for ci, segs in self.segments.items():
            in_c = county == ci
            for lo, hi, live in segs:
                m = in_c & (birth >= lo) & (birth < hi)
                if m.any():
                    choice = np.array(live)[(pick[m] * len(live)).astype(int)]
                    out[m] = choice
        return out


@dataclass
class Identity:
    """What an ID number is made of, for every person of a block, plus the households."""

    n: int
    hh: np.ndarray  # household (local index) of each person
    role: np.ndarray
    male: np.ndarray  # bool
    birth: np.ndarray  # epoch day
    code: np.ndarray  # index into Lineage.codes
    seq: np.ndarray  # 3-digit sequence, odd for men
    hh_type: np.ndarray
    hh_start: np.ndarray
    hh_size: np.ndarray
    hh_county: np.ndarray  # index into vocab.COUNTIES

    @property
    def n_hh(self) -> int:
        return len(self.hh_type)

    def keys(self) -> np.ndarray:
        """One int64 per person; equal keys mean equal ID numbers."""
        return (self.code.astype(np.int64) << 40) | ((self.birth.astype(np.int64) + 100_000) << 10) | self.seq

    def age(self, day: int) -> np.ndarray:
        """Approximate completed years on `day` (exact enough to choose candidates)."""
        return (day - self.birth) / 365.2425


def identity(world: World, b: int) -> Identity:
    rng = stream(world.seed, "identity", b)
    n = world.block_size(b)
    end = world.timeline.end_ed
    types = rng.choice(len(HH_TYPES), size=n, p=_WEIGHTS)
    sizes = _SIZES[types]
    cs = np.cumsum(sizes)
    k = int(np.searchsorted(cs, n))
    types = types[: k + 1]
    sizes = sizes[: k + 1].copy()
    sizes[k] -= cs[k] - n  # the last household loses its trailing members
    nh = k + 1
    hh_start = np.concatenate(([0], np.cumsum(sizes)[:-1]))
    hh = np.repeat(np.arange(nh), sizes)
    pos = np.arange(n) - hh_start[hh]
    role = _ROLE_TABLE[types[hh], pos]

    county = rng.choice(len(vocab.COUNTIES), size=nh, p=np.array(vocab.COUNTY_WEIGHTS))
    head_male = rng.random(nh) < 0.75
    head_age = _AGE_LO[types] + (_AGE_HI[types] - _AGE_LO[types]) * rng.random(nh)
    head_birth = end - np.round(head_age * 365.2425).astype(np.int64)
    spouse_birth = np.minimum(
        head_birth + np.round((rng.random(nh) * 7 - 3.5) * 365.2425).astype(np.int64), end - years(21)
    )
    has_spouse = np.isin(types, [1, 2, 3, 4, 5, 7, 8])
    mother_birth = np.where(head_male & has_spouse, spouse_birth, head_birth)

    u = rng.random((n, 4))
    hm = head_male[hh]
    male = np.where(role == HEAD, hm, np.where(role == SPOUSE, ~hm, u[:, 0] < 0.51))
    mb = mother_birth[hh]
    child_birth = mb + np.round((20 + u[:, 1] * 18) * 365.2425).astype(np.int64)
    # a child the draw would place in the future is born at a random earlier day instead
    # (clipping would pile young families' children onto one birthday)
    earliest = mb + years(18)
    late = child_birth > end - 60
    child_birth = np.where(late, earliest + (u[:, 1] * (end - 60 - earliest)).astype(np.int64), child_birth)
    birth = np.select(
        [role == HEAD, role == SPOUSE, role == CHILD, role == PARENT],
        [
            head_birth[hh],
            spouse_birth[hh],
            child_birth,
            head_birth[hh] - np.round((22 + u[:, 1] * 14) * 365.2425).astype(np.int64),
        ],
        default=end - np.round((18 + u[:, 1] * 62) * 365.2425).astype(np.int64),
    ).astype(np.int64)

    # where the person was born decides the ID's region code
    lineage = world.lineage
    origin = np.where(u[:, 2] < 0.90, county[hh], rng.integers(0, len(vocab.COUNTIES), n))
    code = lineage.assign(origin, birth, u[:, 3])
    outside = rng.random(n) < 0.05
    code = np.where(outside, lineage.outside_base + rng.integers(0, len(vocab.OUTSIDE_CODES), n), code).astype(np.int16)
    seq = (2 * rng.integers(0, 500, n) + male).astype(np.int16)
    for local, s in world.seq_overrides.get(b, ()):
        seq[local] = s
    return Identity(n, hh, role, male, birth, code, seq, types, hh_start, sizes, county)


def id_numbers(lineage: Lineage, ident: Identity) -> list[str]:
    """GB 11643 numbers, check digits computed for the whole block at once."""
    days = ident.birth.astype("datetime64[D]")
    y = days.astype("datetime64[Y]").astype(np.int64) + 1970
    m = days.astype("datetime64[M]").astype(np.int64) % 12 + 1
    d = (days - days.astype("datetime64[M]")).astype(np.int64) + 1
    s = lineage.code_weight_sum[ident.code].astype(np.int64)
    digits = (
        y // 1000,
        y // 100 % 10,
        y // 10 % 10,
        y % 10,
        m // 10,
        m % 10,
        d // 10,
        d % 10,
        ident.seq // 100,
        ident.seq // 10 % 10,
        ident.seq % 10,
    )
    for dig, w in zip(digits, ID_CARD_WEIGHTS[6:]):
        s = s + dig * w
    checks = s % 11
    codes = lineage.codes
    return [
        f"{codes[c]}{ymd8(int(b))}{q:03d}{ID_CARD_CHECK_CHARS[k]}"
        for c, b, q, k in zip(ident.code.tolist(), ident.birth.tolist(), ident.seq.tolist(), checks.tolist())
    ]


class People:
    """Names, ID numbers, addresses and contact data of one block's persons."""

    def __init__(self, world: World, b: int, ident: Identity) -> None:
        self.world = world
        self.b = b
        self.ident = ident
        self._rng = stream(world.seed, "people", b)

    @cached_property
    def ids(self) -> list[str]:
        return id_numbers(self.world.lineage, self.ident)

    @cached_property
    def names(self) -> list[str]:
        ident, rng = self.ident, self._rng
        n, nh = ident.n, ident.n_hh
        surnames = vocab.SURNAMES

        # a skewed draw: common surnames are much more common
        def surname_idx(k: int) -> np.ndarray:
            return np.minimum((rng.pareto(1.2, k) * 8).astype(int), len(surnames) - 1)

        head_s, spouse_s = surname_idx(nh), surname_idx(nh)
        own = surname_idx(n)
        hh, role = ident.hh, ident.role
        head_male = ident.male[ident.hh_start]
        father_s = np.where(head_male, head_s, spouse_s)
        s = np.select(
            [role == HEAD, role == SPOUSE, role == CHILD, (role == PARENT) & ident.male],
            [head_s[hh], spouse_s[hh], father_s[hh], head_s[hh]],
            default=own,
        )
        gm, gf = vocab.GIVEN_MALE, vocab.GIVEN_FEMALE
        g1 = np.minimum((rng.pareto(0.9, n) * 6).astype(int), 1000)
        g2 = np.minimum((rng.pareto(0.9, n) * 6).astype(int), 1000)
        two = rng.random(n) < 0.62
        out = []
        for si, a, c, t, m in zip(s.tolist(), g1.tolist(), g2.tolist(), two.tolist(), ident.male.tolist()):
            pool = gm if m else gf
            given = pool[a % len(pool)] + (pool[c % len(pool)] if t else "")
            out.append(surnames[si] + given)
        return out

    @cached_property
    def _contact(self) -> tuple[np.ndarray, np.ndarray, list[str]]:
        ident, rng = self.ident, self._rng
        n = ident.n
        end = self.world.timeline.end_ed
        first_batch = self.world.timeline.daily_ed[0]
        prefix = np.array(vocab.MOBILE_PREFIXES)[rng.integers(0, len(vocab.MOBILE_PREFIXES), n)]
        mobile = prefix.astype(np.int64) * 10**8 + rng.integers(0, 10**8, n)
        age = ident.age(end)
        has = (age >= 14) & (rng.random(n) < np.where(age > 75, 0.55, 0.9))
        mobile = np.where(has, mobile, 0)
        since = np.maximum(ident.birth + 1, ED_2015)
        span = np.maximum(first_batch - 1 - since, 1)
        upd_day = since + (rng.random(n) * span).astype(np.int64)
        upd = upd_day * DAY_SECONDS + rng.integers(8 * 3600, 18 * 3600, n)
        eth = rng.random(n)
        minor = np.array(vocab.ETHNIC_MINOR)[rng.integers(0, len(vocab.ETHNIC_MINOR), n)]
        ethnic = np.where(eth < 0.965, "01", np.where(eth < 0.985, minor, ""))
        return mobile, upd, ethnic.tolist()

    @property
    def mobiles(self) -> np.ndarray:
        return self._contact[0]

    @property
    def updated_at(self) -> np.ndarray:
        return self._contact[1]

    @property
    def ethnicity(self) -> list[str]:
        return self._contact[2]

    @cached_property
    def households(self) -> Households:
        return Households(self.world, self.b, self.ident)


class Households:
    """Household numbers, addresses (current and, for movers, the next one) and their spots."""

    def __init__(self, world: World, b: int, ident: Identity) -> None:
        rng = stream(world.seed, "households", b)
        nh = ident.n_hh
        self.county = [vocab.COUNTIES[c] for c in ident.hh_county.tolist()]
        serial = b * BLOCK + np.arange(nh)
        self.serial = serial
        self.number = [f"{c}{s + 1:07d}" for c, s in zip(self.county, serial.tolist())]
        urban = rng.random(nh) < 0.55
        self.address = _addresses(rng, self.county, urban)
        self.next_address = _addresses(rng, self.county, np.ones(nh, dtype=bool))
        self.address_code = [f"{c}{2 * s + 1:010d}" for c, s in zip(self.county, serial.tolist())]
        self.next_address_code = [f"{c}{2 * s + 2:010d}" for c, s in zip(self.county, serial.tolist())]
        self.rural = (~urban).tolist()
        lon = np.zeros(nh)
        lat = np.zeros(nh)
        lon2 = np.zeros(nh)
        lat2 = np.zeros(nh)
        for ci, c in enumerate(vocab.COUNTIES):
            m = ident.hh_county == ci
            k = int(m.sum())
            if k:
                lon[m], lat[m] = points(rng, c, k)
                lon2[m], lat2[m] = points(rng, c, k)
        self.lonlat = list(zip(lon.tolist(), lat.tolist()))
        self.next_lonlat = list(zip(lon2.tolist(), lat2.tolist()))


def _addresses(rng: np.random.Generator, counties: list[str], urban: np.ndarray) -> list[str]:
    nh = len(counties)
    road = rng.integers(0, len(vocab.ROADS), nh).tolist()
    num = rng.integers(1, 1000, nh).tolist()
    bld = rng.integers(1, 31, nh).tolist()
    town = rng.integers(0, 100, nh).tolist()
    va = rng.integers(0, len(vocab.VILLAGE_A), nh).tolist()
    vb = rng.integers(0, len(vocab.VILLAGE_B), nh).tolist()
    num2 = rng.integers(1, 300, nh).tolist()
    out = []
    for i, c in enumerate(counties):
        prefix = "山东省滨州市" + vocab.COUNTY_NAMES[c]
        if urban[i]:
            out.append(f"{prefix}{vocab.ROADS[road[i]]}{num[i]}号{bld[i]}号楼")
        else:
            towns = vocab.TOWNS[c]
            out.append(
                f"{prefix}{towns[town[i] % len(towns)]}{vocab.VILLAGE_A[va[i]]}{vocab.VILLAGE_B[vb[i]]}村{num2[i]}号"
            )
    return out
