"""Life events of one block: deaths, births, marriages and register changes.

Historic deaths are drawn per person; the window's events (a death or birth a
day, marriages a month, address and phone changes) come from the world's event
calendar, so even a tiny city gets some of each. A person who dies at any time
is never chosen for a later event, and is never an active payee (see
employment.py), which keeps a clean city free of 一数一源 conflicts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np

from synth import vocab
from synth.population import CHILD, HEAD, OTHER, SINGLE_TYPES, SPOUSE
from synth.rng import scramble, stream
from synth.timeline import DAY_SECONDS, ed

if TYPE_CHECKING:
    from synth.world import Block

HISTORY_START = ed(date(2019, 1, 1))


@dataclass(frozen=True)
class Birth:
    issued: int
    born: int
    mother: int  # local person index
    father: int  # local person index, -1 when not on the certificate
    male: bool
    name: str | None
    cert_no: str
    place: str
    region: str


@dataclass(frozen=True)
class Marriage:
    kind: str  # 结婚 离婚 补发结婚证
    day: int
    man: int
    woman: int
    reg_no: str
    office: str


@dataclass(frozen=True)
class RegisterChange:
    batch: int  # first household-register batch showing the change
    kind: str  # mobile | address
    who: int  # person (mobile) or household (address), local index
    stamp: int  # new updated_at, epoch seconds
    mobile: int = 0


class Life:
    def __init__(self, block: Block) -> None:
        self.block = block
        self.world = block.world
        self.ident = block.ident

    # --- deaths -------------------------------------------------------------------
    @cached_property
    def _deaths(self) -> tuple[np.ndarray, list[str]]:
        ident, tl = self.ident, self.world.timeline
        rng = stream(self.world.seed, "deaths", self.block.b)
        n = ident.n
        first = tl.daily_ed[0]
        age = ident.age(tl.end_ed)
        p = np.where(age >= 60, 0.03 + (age - 60) * 0.002, 0.001)
        dead = rng.random(n) < p
        day = HISTORY_START + (rng.random(n) * (first - HISTORY_START)).astype(np.int64)
        day = np.maximum(day, ident.birth + 1)
        day = np.where(dead & (day < first), day, -1)
        for t in range(first, tl.end_ed):
            for _ in self.world.block_events("death", t, self.block.b):
                cand = np.nonzero((day < 0) & (age >= 55))[0]
                if len(cand) == 0:
                    cand = np.nonzero(day < 0)[0]
                if len(cand):
                    day[cand[rng.integers(0, len(cand))]] = t
        icd = np.array(vocab.ICD10)[rng.integers(0, len(vocab.ICD10), n)]
        cause = np.where(rng.random(n) < 0.9, icd, "")
        return day, cause.tolist()

    @property
    def death_day(self) -> np.ndarray:
        """Epoch day of death per person, -1 for the living (as of the end date)."""
        return self._deaths[0]

    @property
    def cause(self) -> list[str]:
        return self._deaths[1]

    @cached_property
    def doomed(self) -> np.ndarray:
        """Dies at some time up to the end date (so never an active payee, nor a later party)."""
        return self._deaths[0] >= 0

    # --- partners -------------------------------------------------------------------
    @cached_property
    def partner(self) -> np.ndarray:
        """Local index of the spouse living in the same household, -1 if none."""
        ident = self.ident
        out = np.full(ident.n, -1, dtype=np.int64)
        heads = ident.hh_start
        second = heads + 1
        has = second < ident.n
        has[has] &= ident.role[second[has]] == SPOUSE
        has[has] &= ident.hh[second[has]] == np.arange(ident.n_hh)[has]
        out[heads[has]] = second[has]
        out[second[has]] = heads[has]
        return out

    # --- births ---------------------------------------------------------------------
    @cached_property
    def births(self) -> list[Birth]:
        ident, world = self.ident, self.world
        rng = stream(world.seed, "births", self.block.b)
        people = self.block.people
        hh = people.households
        used: set[int] = set()
        out = []
        partner = self.partner
        mothers = np.nonzero(~ident.male & np.isin(ident.role, (HEAD, SPOUSE)) & (partner >= 0) & ~self.doomed)[0]
        for slot, issued in enumerate(world.timeline.event_days):
            for k in world.block_events("birth", slot, self.block.b):
                born = issued - int(rng.integers(0, 11))
                age = (born - ident.birth[mothers]) / 365.2425
                cand = [int(m) for m in mothers[(age >= 20.5) & (age <= 42)] if int(m) not in used]
                if not cand:
                    continue
                mother = cand[int(rng.integers(0, len(cand)))]
                used.add(mother)
                father = int(partner[mother])
                if rng.random() < 0.1 or 0 <= self.death_day[father] < born:
                    father = -1  # not on the certificate
                male = bool(rng.random() < 0.51)
                named = rng.random() < 0.7
                name = None
                if named:
                    pool = vocab.GIVEN_MALE if male else vocab.GIVEN_FEMALE
                    surname = people.names[int(partner[mother])][0]
                    name = surname + "".join(pool[int(i)] for i in rng.integers(0, 20, 1 + int(rng.random() < 0.6)))
                county = hh.county[ident.hh[mother]]
                letter = "NOPQR"[int(rng.integers(0, 5))]
                number = scramble(slot * 100_000 + k, 10**9, 387_420_489, world.salt % 10**9)
                place = vocab.HOSPITALS[county][int(rng.integers(0, len(vocab.HOSPITALS[county])))]
                out.append(Birth(issued, born, mother, father, male, name, f"{letter}{number:09d}", place, county))
        return out

    # --- marriages --------------------------------------------------------------------
    @cached_property
    def marriages(self) -> list[Marriage]:
        ident, world = self.ident, self.world
        rng = stream(world.seed, "marriages", self.block.b)
        hh = self.block.people.households
        alive = ~self.doomed
        single_head = (ident.role == HEAD) & np.isin(ident.hh_type[ident.hh], SINGLE_TYPES)
        unmarried = alive & (np.isin(ident.role, (CHILD, OTHER)) | single_head)
        couples = [
            int(h)
            for h in np.nonzero(self.partner >= 0)[0]
            if ident.role[h] == HEAD and alive[h] and alive[self.partner[h]]
        ]
        used: set[int] = set()
        out = []
        for slot, (start, stop) in enumerate(world.timeline.event_months):
            for _ in world.block_events("marriage", slot, self.block.b):
                day = start + int(rng.integers(0, stop - start))
                u = rng.random()
                kind = "结婚" if u < 0.75 else "离婚" if u < 0.9 else "补发结婚证"
                if kind == "结婚":
                    age = (day - ident.birth) / 365.2425
                    men = np.nonzero(unmarried & ident.male & (age >= 22.1) & (age <= 45))[0]
                    men = [int(m) for m in men if int(m) not in used]
                    if not men:
                        continue
                    man = men[int(rng.integers(0, len(men)))]
                    women = np.nonzero(
                        unmarried & ~ident.male & (age >= 20.1) & (age <= 40) & (ident.hh != ident.hh[man])
                    )[0]
                    women = [int(w) for w in women if int(w) not in used]
                    if not women:
                        continue
                    woman = women[int(rng.integers(0, len(women)))]
                else:
                    free = [h for h in couples if h not in used]
                    if not free:
                        continue
                    head = free[int(rng.integers(0, len(free)))]
                    a, b = head, int(self.partner[head])
                    man, woman = (a, b) if ident.male[a] else (b, a)
                used.update((man, woman))
                county = hh.county[ident.hh[man]]
                letter = {"结婚": "J", "离婚": "L", "补发结婚证": "B"}[kind]
                year = world.timeline.end.year
                serial = self.block.b * 64 + len(out) + 1
                out.append(
                    Marriage(
                        kind,
                        day,
                        man,
                        woman,
                        f"{letter}{county}{year}{serial:06d}",
                        f"{vocab.COUNTY_NAMES[county]}民政局婚姻登记处",
                    )
                )
        return out

    # --- household register changes -----------------------------------------------------
    @cached_property
    def register_changes(self) -> list[RegisterChange]:
        """Phone numbers and household moves shown from a given snapshot on."""
        world, ident = self.world, self.ident
        rng = stream(world.seed, "register_changes", self.block.b)
        people = self.block.people
        out: list[RegisterChange] = []
        moved: set[int] = set()
        changed: set[int] = set()
        batches = world.batches["gaj.household_register"]
        for bi, batch in enumerate(batches[1:], start=1):
            day = batch.day - 1
            for k in world.block_events("hh_change", bi, self.block.b):
                stamp = day * DAY_SECONDS + int(rng.integers(8 * 3600, 18 * 3600))
                if (k + bi) % 2 == 0:
                    cand = [int(p) for p in np.nonzero((people.mobiles > 0) & ~self.doomed)[0] if int(p) not in changed]
                    if not cand:
                        continue
                    who = cand[int(rng.integers(0, len(cand)))]
                    changed.add(who)
                    prefix = vocab.MOBILE_PREFIXES[int(rng.integers(0, len(vocab.MOBILE_PREFIXES)))]
                    mobile = prefix * 10**8 + int(rng.integers(0, 10**8))
                    if mobile == int(people.mobiles[who]):
                        mobile += 1
                    out.append(RegisterChange(bi, "mobile", who, stamp, mobile))
                else:
                    cand = [h for h in range(ident.n_hh) if h not in moved]
                    if not cand:
                        continue
                    h = cand[int(rng.integers(0, len(cand)))]
                    moved.add(h)
                    out.append(RegisterChange(bi, "address", h, stamp))
        return out

    @cached_property
    def movers(self) -> set[int]:
        return {c.who for c in self.register_changes if c.kind == "address"}
