"""One generator per delivered source: it turns the world's blocks into records.

A generator gets every block in order (`block`), plus `begin`/`end` for data
that is not per person (macro figures). It hands records to its SourceSink with
the batch index or indices they belong to.
"""

from __future__ import annotations

import bisect

from synth.delivery import SourceSink


class Generator:
    source_id = ""

    def __init__(self, world, sink: SourceSink) -> None:
        self.world = world
        self.sink = sink
        self.batches = world.batches[self.source_id]
        self.days = [b.day for b in self.batches]
        self.n = len(self.batches)
        self.all = tuple(range(self.n))

    def begin(self) -> None:
        pass

    def block(self, blk) -> None:
        raise NotImplementedError

    def end(self) -> None:
        pass

    def delivered_in(self, day: int) -> int:
        """Incremental sources: the first batch dated after `day` carries what happened on it."""
        return bisect.bisect_right(self.days, day)

    def existing_from(self, day: int) -> tuple[int, ...]:
        """Snapshot sources: the batches dated after `day` (the record exists in them)."""
        return self.all[bisect.bisect_right(self.days, day) :]


def registry_of_generators() -> dict[str, type[Generator]]:
    from synth.sources import dsj, gaj, mzj, rsj, scjg, swj, tjj, wjw, xczx, xyzx, yjj, zrzy

    gens: dict[str, type[Generator]] = {}
    for mod in (dsj, gaj, mzj, rsj, scjg, swj, tjj, wjw, xczx, xyzx, yjj, zrzy):
        for g in mod.GENERATORS:
            gens[g.source_id] = g
    return gens
