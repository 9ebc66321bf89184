"""税务 taxpayers: a monthly JSON snapshot, one object per enterprise and rating year."""

from __future__ import annotations

import random

from synth.defects import CANCELLED
from synth.rng import stream
from synth.sources import Generator
from synth.timeline import from_ed


class Taxpayer(Generator):
    source_id = "swj.taxpayer"

    def block(self, blk) -> None:
        r = random.Random(int(stream(self.world.seed, "taxpayer", blk.b).integers(2**62)))
        year = self.world.timeline.end.year
        for f in blk.firms.all:
            if not f.quotable:
                continue
            targets = self.existing_from(f.established)
            if not targets:
                continue
            if f.cancelled and f.closing is None:
                status = "注销"
            elif f.struck_off or r.random() < 0.04:
                status = "非正常"
            else:
                status = "正常"
            founded = from_ed(f.established).year
            rating_years = [y for y in (year - 2, year - 1) if y >= founded] or [year - 1]
            for y in rating_years:
                rating = "M" if founded >= y else r.choice(("A", "A", "B", "B", "B", "M", "C", "D", None))
                self.sink.add(targets, [f.uscc, f.name, status, rating, y], CANCELLED if f.cancelled else 0)


GENERATORS = (Taxpayer,)
