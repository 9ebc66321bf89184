"""Social insurance of one block's persons: who works where, what they pay into.

Employees of the block's active enterprises hold 110/210/310 (and often 410)
with their employer's USCC; other adults may hold 城乡居民养老 (120). A person who
dies at any time is never 参保缴费 in any snapshot: 终止参保 once dead, 暂停缴费
before, so no comparison date can make a clean city look wrong.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date
from functools import cached_property
from typing import TYPE_CHECKING

from synth.rng import stream
from synth.timeline import ed, years

if TYPE_CHECKING:
    from synth.world import Block

EMPLOYEE_TYPES = ("110", "210", "310")
EARLIEST_ENROLMENT = ed(date(2005, 1, 1))


@dataclass(frozen=True)
class Cover:
    person: int
    types: tuple[str, ...]
    employer: int  # firm local index, -1 for residents' insurance
    base: float | None
    enrolled: int
    working: bool  # pays while alive (1), else pauses (2)
    stops_at: int  # first social-insurance batch index in which payments pause (99: never)


class Jobs:
    def __init__(self, block: Block) -> None:
        self.block = block

    @cached_property
    def covers(self) -> list[Cover]:
        block, world = self.block, self.block.world
        ident = block.ident
        r = random.Random(int(stream(world.seed, "jobs", block.b).integers(2**62)))
        tl = world.timeline
        last = tl.monthly_ed[-1]
        employers = block.firms.employers
        doomed = block.life.doomed
        age = ident.age(tl.end_ed)
        out: list[Cover] = []
        for p in range(ident.n):
            a = float(age[p])
            if a < 16:
                continue
            birth = int(ident.birth[p])
            retire_age = 60 if ident.male[p] else 55
            if 18 <= a < retire_age and employers and r.random() < 0.55:
                firm = employers[r.randrange(len(employers))]
                lo = max(firm.established + 30, birth + years(18), EARLIEST_ENROLMENT)
                if lo < last - 1:
                    enrolled = r.randrange(lo, last - 1)
                    types = EMPLOYEE_TYPES + (("410",) if r.random() < 0.7 else ())
                    base = round(r.uniform(3000, 30000), 2)
                    out.append(Cover(p, types, firm.local, base, enrolled, True, 99))
                    continue
            if r.random() < 0.75 or (doomed[p] and a >= 40):
                lo = max(birth + years(16), ed(date(2012, 1, 1)))
                if lo >= last - 1:
                    continue
                enrolled = r.randrange(lo, last - 1)
                base = round(r.uniform(100, 3000), 2) if r.random() < 0.4 else None
                out.append(Cover(p, ("120",), -1, base, enrolled, a < 60, 99))
        self._plan_pauses(out, r)
        return out

    def _plan_pauses(self, covers: list[Cover], r: random.Random) -> None:
        """Employees who leave their job: 参保缴费 → 暂停缴费 from a later snapshot on."""
        block, world = self.block, self.block.world
        doomed = block.life.doomed
        batches = world.batches["rsj.social_insurance"]
        for bi in range(1, len(batches)):
            for _ in world.block_events("insurance_change", bi, block.b):
                cand = [
                    i
                    for i, c in enumerate(covers)
                    if c.employer >= 0
                    and c.stops_at == 99
                    and not doomed[c.person]
                    and c.enrolled < batches[bi - 1].day
                ]
                if not cand:
                    continue
                i = cand[r.randrange(len(cand))]
                c = covers[i]
                covers[i] = Cover(c.person, c.types, c.employer, c.base, c.enrolled, c.working, bi)

    def status(self, cover: Cover, batch: int, batch_day: int) -> str:
        """参保状态 code of a cover in a snapshot dated `batch_day`."""
        death = int(self.block.life.death_day[cover.person])
        if death >= 0:
            return "3" if death < batch_day else "2"
        if not cover.working or batch >= cover.stops_at:
            return "2"
        return "1"
