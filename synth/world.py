"""The synthetic world: configuration, population blocks and the global event calendar.

Everything is a pure function of (seed, block index): a Block regenerates its
persons, enterprises and events on demand, so sources can be produced in any
process and in any order, and nothing city-wide is held in memory except one
small table making ID numbers unique.
"""

from __future__ import annotations

import math
from datetime import date
from functools import cached_property

import numpy as np

from govlake.registry import Registry
from synth.batches import Batch, schedule
from synth.population import BLOCK, Identity, Lineage, People, identity
from synth.rng import stream
from synth.timeline import Timeline

# events of the delivery window: (per person per slot, minimum per slot)
EVENT_RATES = {
    "birth": (8e-3 / 365, 2),
    "death": (7e-3 / 365, 1),
    "marriage": (6.5e-3 / 12, 4),
    "hh_change": (3e-4, 2),
    "new_enterprise": (1.5e-3 / 20, 1),
    "enterprise_change": (2e-3 / 20, 4),
    "publicity": (4e-3 / 20, 2),
    "patent": (1e-2 / 20, 2),
    "insurance_change": (2e-4, 2),
    "allowance_start": (1e-4, 1),
    "monitor_change": (5e-5, 1),
    "parcel_new": (8e-4, 2),
    "parcel_owner_change": (2e-4, 1),
}


class World:
    def __init__(self, registry: Registry, seed: int, persons: int, end_date: date, daily_days: int = 5) -> None:
        if persons < 1:
            raise ValueError("persons must be at least 1")
        self.registry = registry
        self.seed = int(seed)
        # offsets for the number scramblers, so small seeds do not give small numbers
        self.salt = int(stream(self.seed, "salt").integers(2**62))
        self.persons = int(persons)
        self.timeline = Timeline.ending(end_date, daily_days)
        self.batches: dict[str, list[Batch]] = schedule(registry, self.timeline)
        self.lineage = Lineage(registry.city)
        self.n_blocks = math.ceil(self.persons / BLOCK)
        self.seq_overrides: dict[int, list[tuple[int, int]]] = {}
        self._events: dict[tuple[str, int], np.ndarray] = {}
        self._make_ids_unique()

    def block_size(self, b: int) -> int:
        return min(BLOCK, self.persons - b * BLOCK)

    def block(self, b: int) -> Block:
        return Block(self, b)

    @cached_property
    def departments(self) -> dict[str, tuple[str, str]]:
        return {d.code: (d.name, d.uscc) for d in self.registry.departments.values()}

    # --- the window's events, spread over blocks --------------------------------
    def count(self, kind: str) -> int:
        rate, floor = EVENT_RATES[kind]
        return max(floor, round(rate * self.persons))

    def events(self, kind: str, slot: int) -> np.ndarray:
        """Block of each event of `kind` in calendar slot `slot` (a day or a month)."""
        key = (kind, slot)
        if key not in self._events:
            rng = stream(self.seed, "events", kind, slot)
            sizes = np.array([self.block_size(b) for b in range(self.n_blocks)], dtype=float)
            self._events[key] = rng.choice(self.n_blocks, size=self.count(kind), p=sizes / sizes.sum())
        return self._events[key]

    def block_events(self, kind: str, slot: int, b: int) -> list[int]:
        """Event numbers (unique within kind and slot) that happen in block b."""
        return np.nonzero(self.events(kind, slot) == b)[0].tolist()

    # --- ID numbers ---------------------------------------------------------------
    def _make_ids_unique(self) -> None:
        """Give a new sequence number to the rare person whose ID would repeat another's.

        Birth dates are random, so two persons of the same birthplace and day may
        draw the same sequence; the first (lowest index) keeps it.
        """
        keys = np.concatenate([identity(self, b).keys() for b in range(self.n_blocks)])
        order = np.argsort(keys, kind="stable")
        sk = keys[order]
        dup = np.nonzero(sk[1:] == sk[:-1])[0] + 1
        taken: dict[int, set[int]] = {}
        fixes: dict[int, int] = {}
        for pos in dup.tolist():
            group = int(sk[pos]) >> 10
            if group not in taken:
                lo = np.searchsorted(sk, group << 10)
                hi = np.searchsorted(sk, (group + 1) << 10)
                taken[group] = {int(k) & 1023 for k in sk[lo:hi]}
            seq = int(sk[pos]) & 1023
            new = seq
            for _ in range(500):
                if new not in taken[group]:
                    break
                new = (new + 2) % 1000  # keeps the parity, hence the gender
            else:
                raise RuntimeError("more persons share a birthplace and birthday than ID numbers exist")
            taken[group].add(new)
            fixes[int(order[pos])] = new
        for person, seq in sorted(fixes.items()):
            self.seq_overrides.setdefault(person // BLOCK, []).append((person % BLOCK, seq))


class Block:
    """One block of the world; every layer is computed on first use."""

    def __init__(self, world: World, b: int) -> None:
        self.world = world
        self.b = b

    @cached_property
    def ident(self) -> Identity:
        return identity(self.world, self.b)

    @cached_property
    def people(self) -> People:
        return People(self.world, self.b, self.ident)

    @cached_property
    def life(self):
        from synth.events import Life

        return Life(self)

    @cached_property
    def firms(self):
        from synth.enterprises import Firms

        return Firms(self)

    @cached_property
    def jobs(self):
        from synth.employment import Jobs

        return Jobs(self)

    @cached_property
    def welfare(self):
        from synth.welfare import Welfare

        return Welfare(self)
