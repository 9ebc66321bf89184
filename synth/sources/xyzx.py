"""信用中心 double publicity: administrative permits and penalties, daily increments."""

from __future__ import annotations

import random

from synth import vocab
from synth.rng import stream
from synth.sources import Generator
from synth.timeline import from_ed, years, ymd

DECISIONS_PER_BLOCK = 4096
BACKLOG_DAYS = 180


class DoublePublicity(Generator):
    source_id = "xyzx.double_publicity"

    def block(self, blk) -> None:
        world = self.world
        r = random.Random(int(stream(world.seed, "publicity", blk.b).integers(2**62)))
        ident, people, life = blk.ident, blk.people, blk.life
        firms = [f for f in blk.firms.all if f.quotable]
        adults = [p for p in range(ident.n) if not life.doomed[p] and ident.birth[p] < self.days[0] - years(18)]
        depts = world.departments
        serial = blk.b * DECISIONS_PER_BLOCK

        def decide(bi: int, day: int) -> None:
            nonlocal serial
            permit = r.random() < 0.6
            dept = r.choice(sorted(vocab.PUBLICITY))
            abbr, permits, penalties = vocab.PUBLICITY[dept]
            subject = None
            if firms and r.random() < 0.75:
                f = firms[r.randrange(len(firms))]
                if f.established < day:
                    subject = (f.name, "个体工商户" if f.sole else "法人及非法人组织", f.uscc)
            if subject is None and adults:
                p = adults[r.randrange(len(adults))]
                subject = (people.names[p], "自然人", people.ids[p])
            if subject is None:
                return
            serial += 1
            year = from_ed(day).year
            number = f"滨{abbr}{'许' if permit else '罚'}〔{year}〕{serial:05d}号"
            fine = None if permit or r.random() < 0.25 else f"{r.uniform(0.1, 50):.2f}"
            until = ymd(day + years(r.choice((3, 5)))) if permit and r.random() < 0.7 else None
            name, uscc = depts[dept]
            self.sink.add(
                bi,
                [
                    number,
                    "行政许可" if permit else "行政处罚",
                    subject[0],
                    subject[1],
                    subject[2],
                    ymd(day),
                    name,
                    uscc,
                    r.choice(permits if permit else penalties),
                    fine or "",
                    until or "",
                ],
            )

        first = self.days[0]
        for _ in range(round(len(firms) * 0.3)):
            decide(0, first - 1 - r.randrange(BACKLOG_DAYS))
        for bi in range(1, self.n):
            for _ in world.block_events("publicity", bi, blk.b):
                decide(bi, self.days[bi] - 1)


GENERATORS = (DoublePublicity,)
