"""乡村振兴 households monitored against relapse into poverty: a monthly snapshot."""

from __future__ import annotations

from synth.defects import PROTECT
from synth.formats import dec
from synth.sources import Generator


class MonitoredHousehold(Generator):
    source_id = "xczx.monitored_household"

    def block(self, blk) -> None:
        ident, people = blk.ident, blk.people
        hh = people.households
        for m in blk.welfare.monitored:
            head = int(ident.hh_start[m.household])
            base = [
                people.ids[head],
                people.names[head],
                str(int(ident.hh_size[m.household])),
                dec(m.income),
                m.kind,
                "是" if m.cleared else "否",
                str(m.year),
                hh.county[m.household],
            ]
            if m.clears_at >= self.n:
                self.sink.add(self.all, base)
                continue
            self.sink.add(self.all[: m.clears_at], base)
            cleared = list(base)
            cleared[5] = "是"
            for t in range(m.clears_at, self.n):
                notes = [("risk_cleared", "update", "否", "是")] if t == m.clears_at else None
                self.sink.add(t, cleared, PROTECT, notes)


GENERATORS = (MonitoredHousehold,)
