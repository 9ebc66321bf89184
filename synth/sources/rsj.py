"""人社 social insurance: a monthly snapshot of every cover (one row per insurance type)."""

from __future__ import annotations

from synth.defects import DEAD, PROTECT
from synth.formats import dec
from synth.sources import Generator
from synth.timeline import ymd8


class SocialInsurance(Generator):
    source_id = "rsj.social_insurance"

    def block(self, blk) -> None:
        people, life, jobs = blk.people, blk.life, blk.jobs
        firms = blk.firms.all
        ids, names = people.ids, people.names
        add = self.sink.add
        for c in jobs.covers:
            death = int(life.death_day[c.person])
            employer = firms[c.employer].uscc if c.employer >= 0 else ""
            targets = self.existing_from(c.enrolled)
            # one row per snapshot state, grouped so identical rows are formatted once
            groups: dict[tuple[str, int], list[int]] = {}
            for t in targets:
                status = jobs.status(c, t, self.days[t])
                flags = (DEAD if 0 <= death < self.days[t] else 0) | (PROTECT if t == c.stops_at else 0)
                groups.setdefault((status, flags), []).append(t)
            for ins in c.types:
                base = [ids[c.person], names[c.person], ins, employer, "", dec(c.base), ymd8(c.enrolled)]
                for (status, flags), ts in groups.items():
                    values = list(base)
                    values[4] = status
                    notes = [("status", "update", "1", status)] if flags & PROTECT else None
                    add(tuple(ts), values, flags, notes)


GENERATORS = (SocialInsurance,)
