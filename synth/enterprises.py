"""Enterprises of one block: registration, legal representatives, and window changes.

About one enterprise per twenty persons, their legal representatives drawn from
the block's adults. Changes in the delivery window (status, name, address,
capital) are decided here, once, because other sources must know them: an
enterprise deregistered in the window never shows a valid licence or a 正常
taxpayer anywhere, and a renamed one appears in no source that repeats its name,
so a clean city holds no 一数一源 conflict whatever the comparison date.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np

from govlake.identifiers import USCC_ALPHABET, make_uscc
from synth import vocab
from synth.geo import COUNTY_BOXES
from synth.rng import scramble, stream
from synth.timeline import DAY_SECONDS, ed, years

if TYPE_CHECKING:
    from synth.world import Block

FIRMS_PER_BLOCK = 1024  # room for global enterprise numbers
USCC_REFORM = ed(date(2015, 10, 1))  # codes issued from then on carry an "MA…" organisation code
CHANGE_KINDS = ("status", "name", "address", "capital")
WINDOW_STATUS = ("注销", "吊销", "迁出", "在业")
ACTIVE = ("存续", "在业")


@dataclass
class FirmChange:
    batch: int  # first enterprise-register batch carrying the change
    kind: str
    stamp: int  # changed_at, epoch seconds
    column: str
    old: object
    new: object


@dataclass
class Firm:
    local: int
    gid: int
    uscc: str
    name: str
    rep: int  # local person index, -1 if the representative is not on file
    rep_name: str
    rep_id: str
    capital: float
    established: int
    status: str
    address: str
    address_code: str
    lonlat: tuple[float, float]
    region: str
    industry: str
    trade: str
    entity_type: str
    changed_at: int
    new_batch: int = 0  # >0: registered in the window, first shown in that batch
    sole: bool = False
    hazard: bool = False
    changes: list[FirmChange] = field(default_factory=list)
    next_address: str = ""
    next_address_code: str = ""
    next_lonlat: tuple[float, float] = (0.0, 0.0)

    @property
    def renamed(self) -> bool:
        return any(c.kind == "name" for c in self.changes)

    @property
    def closing(self) -> str | None:
        """注销 or 吊销 when the enterprise is struck off in the window."""
        for c in self.changes:
            if c.kind == "status" and c.new in ("注销", "吊销"):
                return str(c.new)
        return None

    @property
    def struck_off(self) -> bool:
        """注销 or 吊销 now or later: its licences are not valid."""
        return self.status in ("注销", "吊销") or self.closing is not None

    @property
    def cancelled(self) -> bool:
        return self.status == "注销" or self.closing == "注销"

    @property
    def quotable(self) -> bool:
        """May appear by name in other departments' sources."""
        return not self.renamed

    @property
    def employer(self) -> bool:
        return self.status in ACTIVE and not self.struck_off and self.new_batch == 0

    def state_at(self, batch: int) -> dict[str, object]:
        """Column values as the register shows them in enterprise-register batch `batch`."""
        state: dict[str, object] = {
            "name": self.name,
            "status": self.status,
            "address": self.address,
            "registered_capital": self.capital,
            "changed_at": self.changed_at,
        }
        for c in self.changes:
            if c.batch <= batch:
                state[c.column] = c.new
                state["changed_at"] = c.stamp
        return state


def _org_code(gid: int, established: int, salt: int) -> str:
    if established < USCC_REFORM:
        return f"{scramble(gid, 10**8, 40_503, salt % 10**8):08d}"
    n = scramble(gid, 31**6, 7_368_787, salt % 31**6)
    chars = []
    for _ in range(6):
        n, r = divmod(n, 31)
        chars.append(USCC_ALPHABET[r])
    return "MA" + "".join(reversed(chars))


def firm_name(r: random.Random, county: str, trade: str) -> str:
    brand = "".join(r.sample(vocab.BRAND_CHARS, 2))
    form = r.choice(vocab.LEGAL_FORMS)
    style = r.random()
    if style < 0.4:
        return f"山东{vocab.COUNTY_SHORT[county]}{brand}{trade}{form}"
    if style < 0.7:
        return f"滨州{brand}{trade}{form}"
    if style < 0.85:
        return f"滨州市{brand}{trade}{form}"
    return f"山东{brand}{trade}{form}"


def _street_address(r: random.Random, county: str) -> str:
    return f"山东省滨州市{vocab.COUNTY_NAMES[county]}{r.choice(vocab.ROADS)}{r.randint(1, 999)}号{r.randint(1, 30)}号楼"


def _lonlat(r: random.Random, county: str) -> tuple[float, float]:
    cx, cy, hx, hy = COUNTY_BOXES[county]
    return cx + r.uniform(-hx, hx), cy + r.uniform(-hy, hy)


class Firms:
    def __init__(self, block: Block) -> None:
        self.block = block
        self.world = block.world

    @cached_property
    def all(self) -> list[Firm]:
        world, block = self.world, self.block
        ident = block.ident
        people = block.people
        doomed = block.life.doomed
        tl = world.timeline
        first = tl.daily_ed[0]
        r = random.Random(int(stream(world.seed, "firms", block.b).integers(2**62)))
        n_base = max(1, round(ident.n / 20))
        adults_by_birth = np.argsort(ident.birth, kind="stable")
        births_sorted = ident.birth[adults_by_birth]
        firms: list[Firm] = []

        def make(local: int, established: int, new_batch: int) -> Firm:
            gid = block.b * FIRMS_PER_BLOCK + local
            county = vocab.COUNTIES[r.choices(range(7), vocab.COUNTY_WEIGHTS)[0]]
            sole = r.random() < 0.10
            if sole:
                trade, section, divisions = r.choice(vocab.SHOP_TRADES)
                hazardous = False
            else:
                trade, section, divisions, hazardous = r.choice(vocab.TRADES)
            industry = f"{section}{r.choice(divisions):02d}{r.randint(1, 9)}{r.randint(0, 9)}"
            if r.random() < 0.08:
                industry = ""
            # representative: an adult of the block who was 18 at registration
            latest_birth = established - years(18.1)
            eligible = adults_by_birth[: int(np.searchsorted(births_sorted, latest_birth))]
            rep, rep_name, rep_id = -1, "", ""
            for _ in range(8):
                if len(eligible) == 0:
                    break
                cand = int(eligible[r.randrange(len(eligible))])
                if not doomed[cand]:
                    rep = cand
                    break
            if rep >= 0:
                rep_name = people.names[rep]
                rep_id = people.ids[rep] if r.random() < 0.85 else ""
            else:
                rep_name = r.choice(vocab.SURNAMES[:40]) + r.choice(vocab.GIVEN_MALE) + r.choice(vocab.GIVEN_MALE)
            if sole:
                surname = rep_name[0]
                name = f"{vocab.COUNTY_NAMES[county]}{surname}记{trade}{r.choice(('部', '店'))}"
                entity_type = vocab.SOLE_TRADER
                capital = round(r.uniform(1, 50), 2)
            else:
                name = firm_name(r, county, trade)
                entity_type = r.choice(vocab.ENTITY_TYPES)
                capital = round(min(9_000_000.0, r.lognormvariate(5.3, 1.2)), 2)
            issued = max(established, USCC_REFORM)
            zone = county
            if county == "371681" and issued < ed(date(2018, 7, 1)):
                zone = "371626"
            if r.random() < 0.25:
                zone = "371600"
            uscc = make_uscc("9", "2" if sole else "1", zone, _org_code(gid, established, world.salt))
            if new_batch:
                status, changed = "存续", established * DAY_SECONDS + r.randint(8 * 3600, 18 * 3600)
            else:
                u = r.random()
                status = (
                    "存续"
                    if u < 0.80
                    else "在业"
                    if u < 0.88
                    else "迁出"
                    if u < 0.90
                    else "注销"
                    if u < 0.96
                    else "吊销"
                )
                span = max(1, first - 1 - established)
                changed = (established + r.randrange(span)) * DAY_SECONDS + r.randint(8 * 3600, 18 * 3600)
            serial = 5_000_000_000 + 2 * gid
            f = Firm(
                local,
                gid,
                uscc,
                name,
                rep,
                rep_name,
                rep_id,
                capital,
                established,
                status,
                _street_address(r, county),
                f"{county}{serial + 1:010d}",
                _lonlat(r, county),
                county,
                industry,
                trade,
                entity_type,
                changed,
                new_batch,
                sole,
            )
            f.next_address = _street_address(r, county)
            f.next_address_code = f"{county}{serial + 2:010d}"
            f.next_lonlat = _lonlat(r, county)
            f.hazard = (hazardous and r.random() < 0.7) or r.random() < 0.02
            return f

        start, stop = ed(date(1995, 1, 1)), first - 1
        for local in range(n_base):
            if r.random() < 0.25:
                est = r.randrange(start, USCC_REFORM)
            else:
                est = r.randrange(USCC_REFORM, stop)
            firms.append(make(local, est, 0))
        if block.b == 0:
            # a tiny city still holds one struck-off and one revoked enterprise
            for local, status in ((1, "注销"), (2, "吊销")):
                if local < len(firms):
                    firms[local].status = status
        batches = world.batches["scjg.enterprise_register"]
        for bi, batch in enumerate(batches[1:], start=1):
            for _ in world.block_events("new_enterprise", bi, block.b):
                if len(firms) >= FIRMS_PER_BLOCK:
                    break
                firms.append(make(len(firms), batch.day - 1, bi))
        self._plan_changes(firms, r)
        return firms

    def _plan_changes(self, firms: list[Firm], r: random.Random) -> None:
        world, block = self.world, self.block
        batches = world.batches["scjg.enterprise_register"]
        for bi, batch in enumerate(batches[1:], start=1):
            day = batch.day - 1
            for k in world.block_events("enterprise_change", bi, block.b):
                kind = CHANGE_KINDS[(k + bi) % len(CHANGE_KINDS)]
                cand = [
                    f
                    for f in firms
                    if f.new_batch == 0
                    and f.status in ACTIVE
                    and not f.closing
                    and not (kind == "address" and any(c.kind == "address" for c in f.changes))
                ]
                if not cand:
                    continue
                f = cand[r.randrange(len(cand))]
                stamp = day * DAY_SECONDS + r.randint(8 * 3600, 18 * 3600)
                state = f.state_at(bi - 1)
                if kind == "status":
                    new = WINDOW_STATUS[k % len(WINDOW_STATUS)]
                    if new == state["status"]:
                        new = "迁出"
                    f.changes.append(FirmChange(bi, kind, stamp, "status", state["status"], new))
                elif kind == "name":
                    new = firm_name(r, f.region, f.trade)
                    if new == state["name"]:
                        new = new.replace("有限", "实业有限", 1)
                    f.changes.append(FirmChange(bi, kind, stamp, "name", state["name"], new))
                elif kind == "address":
                    f.changes.append(FirmChange(bi, kind, stamp, "address", state["address"], f.next_address))
                else:
                    new = round(float(state["registered_capital"]) * r.choice((1.5, 2.0, 3.0)) + 10, 2)
                    f.changes.append(
                        FirmChange(bi, kind, stamp, "registered_capital", state["registered_capital"], new)
                    )

    # --- views other sources use ------------------------------------------------------
    @cached_property
    def employers(self) -> list[Firm]:
        return [f for f in self.all if f.employer]

    def existing(self, day: int) -> list[Firm]:
        """Enterprises registered before `day`."""
        return [f for f in self.all if f.established < day]
