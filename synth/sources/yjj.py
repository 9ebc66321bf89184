"""应急 hazard enterprises under key supervision: a monthly snapshot."""

from __future__ import annotations

import random

from synth.rng import stream
from synth.sources import Generator
from synth.timeline import ymd

RISK = ("重大风险", "较大风险", "一般风险", "低风险")


class HazardEnterprise(Generator):
    source_id = "yjj.hazard_enterprise"

    def block(self, blk) -> None:
        r = random.Random(int(stream(self.world.seed, "hazard", blk.b).integers(2**62)))
        for f in blk.firms.all:
            if not (f.hazard and f.quotable and not f.struck_off and f.status in ("存续", "在业")):
                continue
            risk = r.choices(RISK, (0.08, 0.22, 0.4, 0.3))[0]
            for t in self.existing_from(f.established):
                inspected = None if r.random() < 0.1 else ymd(self.days[t] - 1 - r.randrange(300))
                hazards = None if inspected is None else r.choices(range(13), [6] + [1] * 12)[0]
                if inspected is not None and inspected < ymd(f.established):
                    inspected, hazards = None, None
                self.sink.add(t, [f.uscc, f.name, risk, inspected, hazards, f.region])


GENERATORS = (HazardEnterprise,)
