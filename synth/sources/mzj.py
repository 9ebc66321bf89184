"""民政 marriage registrations (monthly increments, XLSX) and the 低保 roll (monthly snapshot)."""

from __future__ import annotations

from synth.defects import DEAD
from synth.sources import Generator
from synth.timeline import from_ed, ymd, ymd_slash


class MarriageRegister(Generator):
    source_id = "mzj.marriage_register"

    def block(self, blk) -> None:
        ids, names = blk.people.ids, blk.people.names
        for m in blk.life.marriages:
            bi = self.delivered_in(m.day)
            if bi >= self.n:
                continue
            # clerks type some dates as text, the way real registers arrive
            when = ymd_slash(m.day) if int(m.reg_no[-1]) % 10 < 3 else from_ed(m.day)
            self.sink.add(
                bi, [m.reg_no, ids[m.man], names[m.man], ids[m.woman], names[m.woman], m.kind, when, m.office]
            )


class SubsistenceAllowance(Generator):
    source_id = "mzj.subsistence_allowance"

    def block(self, blk) -> None:
        ident, people, life = blk.ident, blk.people, blk.life
        hh = people.households
        for a in blk.welfare.allowances:
            death = int(life.death_day[a.person])
            status = "在保" if a.active and death < 0 else "停保"
            values = [
                people.ids[a.person],
                people.names[a.person],
                int(ident.hh_size[a.household]),
                a.amount,
                ymd(a.start),
                status,
                hh.county[a.household],
            ]
            targets = self.existing_from(a.start)
            dead = tuple(t for t in targets if 0 <= death < self.days[t])
            alive = tuple(t for t in targets if t not in dead)
            if alive:
                self.sink.add(alive, values)
            if dead:
                self.sink.add(dead, values, DEAD)


GENERATORS = (MarriageRegister, SubsistenceAllowance)
