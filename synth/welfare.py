"""Subsistence allowance (低保) and poverty monitoring (防止返贫) households of one block.

Beneficiaries are household heads; a head who dies at any time is 停保 in every
snapshot, so no 在保 payee is ever dead in a clean city.
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

MONITOR_TYPES = ("脱贫不稳定户", "边缘易致贫户", "突发严重困难户")


@dataclass(frozen=True)
class Allowance:
    person: int
    household: int
    amount: float
    start: int
    active: bool  # 在保 (unless the person is dead at any time)


@dataclass(frozen=True)
class Monitored:
    household: int
    year: int
    kind: str
    income: float
    cleared: bool
    clears_at: int  # first monitored-household batch in which the risk shows as cleared (99: never)


class Welfare:
    def __init__(self, block: Block) -> None:
        self.block = block

    @cached_property
    def allowances(self) -> list[Allowance]:
        block, world = self.block, self.block.world
        ident = block.ident
        r = random.Random(int(stream(world.seed, "allowance", block.b).integers(2**62)))
        tl = world.timeline
        last = tl.monthly_ed[-1]
        out: list[Allowance] = []
        starts = {bi: world.block_events("allowance_start", bi, block.b) for bi in range(1, len(tl.monthly))}
        late = [(bi, k) for bi, ks in starts.items() for k in ks]
        for h in range(ident.n_hh):
            head = int(ident.hh_start[h])
            if r.random() >= 0.03:
                continue
            lo = max(int(ident.birth[head]) + years(18), ed(date(2015, 1, 1)))
            if lo >= tl.monthly_ed[0] - 1:
                continue
            if r.random() < 0.3:
                old = r.randrange(lo, tl.monthly_ed[0] - 1)
                out.append(Allowance(head, h, round(r.uniform(200, 900), 2), old, False))
                lo = old + 1
                if lo >= tl.monthly_ed[0] - 1:
                    continue
            out.append(Allowance(head, h, round(r.uniform(300, 1200), 2), r.randrange(lo, tl.monthly_ed[0] - 1), True))
        # new beneficiaries of the window's months appear in later snapshots only
        taken = {a.household for a in out}
        for bi, _ in late:
            cand = [h for h in range(ident.n_hh) if h not in taken]
            if not cand:
                continue
            h = cand[r.randrange(len(cand))]
            taken.add(h)
            start = r.randrange(tl.monthly_ed[bi - 1], min(tl.monthly_ed[bi], last))
            out.append(Allowance(int(ident.hh_start[h]), h, round(r.uniform(300, 1200), 2), start, True))
        return out

    @cached_property
    def monitored(self) -> list[Monitored]:
        block, world = self.block, self.block.world
        ident = block.ident
        hh = block.people.households
        r = random.Random(int(stream(world.seed, "monitored", block.b).integers(2**62)))
        year = world.timeline.end.year
        out: list[Monitored] = []
        for h in range(ident.n_hh):
            if not hh.rural[h] or r.random() >= 0.04:
                continue
            if r.random() < 0.5:
                out.append(
                    Monitored(
                        h, year - 1, r.choice(MONITOR_TYPES), round(r.uniform(3000, 20000), 2), r.random() < 0.5, 99
                    )
                )
            out.append(Monitored(h, year, r.choice(MONITOR_TYPES), round(r.uniform(3000, 20000), 2), False, 99))
        n_batches = len(world.batches["xczx.monitored_household"])
        for bi in range(1, n_batches):
            for _ in world.block_events("monitor_change", bi, block.b):
                cand = [i for i, m in enumerate(out) if m.year == year and not m.cleared and m.clears_at == 99]
                if not cand:
                    continue
                i = cand[r.randrange(len(cand))]
                m = out[i]
                out[i] = Monitored(m.household, m.year, m.kind, m.income, m.cleared, bi)
        return out
