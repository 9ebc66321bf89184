"""大数据局 e-licence catalogue: licences of enterprises and persons, daily increments.

The first batch is the catalogue so far; later ones carry the licences issued
the day before (new enterprises' business licences, marriage certificates).
"""

from __future__ import annotations

import random
from datetime import date

import numpy as np

from govlake.identifiers import make_licence_id
from synth import vocab
from synth.defects import STRUCK_OFF
from synth.rng import scramble, stream
from synth.sources import Generator
from synth.timeline import ed, years, ymd

LICENCES_PER_BLOCK = 4096
BUSINESS, MARRIAGE, FOOD, BIRTH, DRUG = (
    "11100000000013338W001",
    "11100000000013127D003",
    "11100000000013338W023",
    "11100000000012345X005",
    "11100000000013338W008",
)
ISSUER = {BUSINESS: "scjg", FOOD: "scjg", DRUG: "scjg", MARRIAGE: "mzj", BIRTH: "wjw"}
CATALOGUE_START = ed(date(2018, 1, 1))


class ELicence(Generator):
    source_id = "dsj.e_licence"

    def block(self, blk) -> None:
        world = self.world
        r = random.Random(int(stream(world.seed, "licences", blk.b).integers(2**62)))
        ident, people, life = blk.ident, blk.people, blk.life
        first = self.days[0]
        self.serial = blk.b * LICENCES_PER_BLOCK
        for f in blk.firms.all:
            if not f.quotable:
                continue
            flag = STRUCK_OFF if f.struck_off else 0
            if f.new_batch:
                issued = f.established
            else:
                issued = max(f.established, CATALOGUE_START + r.randrange(1500))
                issued = min(issued, first - 1)
            until = None if r.random() < 0.6 else issued + years(r.choice((20, 30)))
            self.issue(BUSINESS, f.name, f.uscc, issued, until, "注销" if f.struck_off else None, flag)
            if f.trade in vocab.FOOD_TRADES or f.trade in vocab.DRUG_TRADES:
                kind = DRUG if f.trade in vocab.DRUG_TRADES else FOOD
                lo = max(f.established, CATALOGUE_START)
                if f.new_batch or lo >= first - 1:
                    continue
                issued = r.randrange(lo, first - 1)
                self.issue(kind, f.name, f.uscc, issued, issued + years(5) - 1, "注销" if f.struck_off else None, flag)
        # birth certificates of this year's babies already on the register
        recent = np.nonzero((ident.birth >= first - 365) & (ident.birth < first - 6))[0]
        for p in recent.tolist():
            issued = int(ident.birth[p]) + r.randint(1, 5)
            self.issue(BIRTH, people.names[p], people.ids[p], issued, None, None, 0)
        # marriage certificates: some of the register's couples, then the window's weddings
        partner = life.partner
        for h in np.nonzero((partner >= 0) & (ident.role == 0))[0].tolist():
            w = int(partner[h])
            if life.doomed[h] or life.doomed[w] or r.random() >= 0.06:
                continue
            issued = r.randrange(CATALOGUE_START, first - 1)
            for p in (h, w):
                self.issue(MARRIAGE, people.names[p], people.ids[p], issued, None, None, 0)
        for m in life.marriages:
            if m.kind == "离婚":
                continue
            for p in (m.man, m.woman):
                self.issue(MARRIAGE, people.names[p], people.ids[p], m.day, None, None, 0)

    def issue(
        self, kind: str, holder: str, code: str, issued: int, until: int | None, status: str | None, flags: int
    ) -> None:
        bi = self.delivered_in(issued)
        if bi >= self.n:
            return
        as_of = self.days[bi]
        if status is None:
            status = "过期" if until is not None and until < as_of else "有效"
        self.serial += 1
        name, uscc = self.world.departments[ISSUER[kind]]
        serial = scramble(self.serial, 10**7, 3_276_509, self.world.salt)
        licence_id = make_licence_id(kind, uscc, serial)
        self.sink.add(
            bi,
            [
                licence_id,
                kind,
                holder,
                code,
                name,
                uscc,
                ymd(issued),
                ymd(until) if until is not None else None,
                status,
            ],
            flags,
        )


GENERATORS = (ELicence,)
