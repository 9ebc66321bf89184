"""市场监管 enterprise register (daily increments) and patents (monthly increments)."""

from __future__ import annotations

import random
from datetime import date

from govlake.identifiers import make_patent_no
from synth import vocab
from synth.defects import PROTECT
from synth.formats import dec
from synth.rng import scramble, stream
from synth.sources import Generator
from synth.timeline import dt, ed, from_ed, years, ymd

PATENTS_PER_BLOCK = 2048


class EnterpriseRegister(Generator):
    source_id = "scjg.enterprise_register"

    def row(self, f, batch: int) -> list:
        s = f.state_at(batch)
        return [
            f.uscc,
            s["name"],
            f.rep_name,
            f.rep_id,
            dec(float(s["registered_capital"])),
            ymd(f.established),
            s["status"],
            s["address"],
            f.region,
            f.industry,
            f.entity_type,
            dt(int(s["changed_at"])),
        ]

    def block(self, blk) -> None:
        for f in blk.firms.all:
            if f.new_batch == 0:
                self.sink.add(0, self.row(f, 0))
            elif f.new_batch < self.n:
                self.sink.add(f.new_batch, self.row(f, f.new_batch))
            for bi in sorted({c.batch for c in f.changes}):
                notes = [(c.column, "update", c.old, c.new) for c in f.changes if c.batch == bi]
                self.sink.add(bi, self.row(f, bi), PROTECT, notes)


class Patent(Generator):
    source_id = "scjg.patent"

    def block(self, blk) -> None:
        world = self.world
        r = random.Random(int(stream(world.seed, "patents", blk.b).integers(2**62)))
        ident, people, life = blk.ident, blk.people, blk.life
        firms = [f for f in blk.firms.all if f.quotable and f.new_batch == 0]
        first = self.days[0]
        start = ed(date(2015, 1, 1))
        # adults already when the oldest application in the backlog was filed
        alive_adults = [p for p in range(ident.n) if not life.doomed[p] and ident.birth[p] < start - years(18)]
        local = 0

        def applicant(day: int):
            if firms and r.random() < 0.8:
                f = firms[r.randrange(len(firms))]
                if f.established < day:
                    return f.name, (f.uscc if r.random() < 0.85 else "")
            if alive_adults:
                p = alive_adults[r.randrange(len(alive_adults))]
                return people.names[p], people.ids[p]
            return None

        def emit(bi: int, applied: int) -> None:
            nonlocal local
            who = applicant(applied)
            if who is None or local >= PATENTS_PER_BLOCK:
                return
            kind = r.choices(("发明", "实用新型", "外观设计"), (0.35, 0.5, 0.15))[0]
            # unique per block slot, scrambled so numbers look like a national series
            seq = scramble(blk.b * PATENTS_PER_BLOCK + local, 10**7, 7_654_321, world.salt)
            local += 1
            year = from_ed(applied).year
            number = make_patent_no(year, vocab.PATENT_KIND_DIGIT[kind], seq)
            lag = {"发明": (550, 1100), "实用新型": (150, 360), "外观设计": (90, 300)}[kind]
            granted = applied + r.randint(*lag)
            as_of = self.days[bi]
            if granted < as_of:
                status = "失效" if r.random() < 0.15 else "有效"
                granted_s = ymd(granted)
            else:
                status, granted_s = "审中", ""
                if kind == "发明" and as_of - applied > 700 and r.random() < 0.3:
                    status = "驳回"
            self.sink.add(
                bi, [number, r.choice(vocab.PATENT_TITLES[kind]), kind, who[0], who[1], ymd(applied), granted_s, status]
            )

        backlog = max(1, round(len(firms) * 0.3))
        for _ in range(backlog):
            emit(0, r.randrange(start, first - 30))
        for bi in range(1, self.n):
            lo, hi = self.days[bi - 1], self.days[bi]
            for _ in world.block_events("patent", bi, blk.b):
                emit(bi, r.randrange(lo, hi))


GENERATORS = (EnterpriseRegister, Patent)
