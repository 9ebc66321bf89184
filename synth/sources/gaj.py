"""公安 household register: a full daily snapshot of every registered person."""

from __future__ import annotations

from synth.defects import HEAD as F_HEAD
from synth.defects import PROTECT
from synth.population import CHILD, HEAD, RELATION
from synth.sources import Generator
from synth.timeline import dt, ymd8


class HouseholdRegister(Generator):
    source_id = "gaj.household_register"

    def block(self, blk) -> None:
        ident, people, life = blk.ident, blk.people, blk.life
        hh = people.households
        ids, names, eth = people.ids, people.names, people.ethnicity
        mobiles = people.mobiles.tolist()
        stamps = people.updated_at.tolist()
        births = ident.birth.tolist()
        male = ident.male.tolist()
        role = ident.role.tolist()
        hh_of = ident.hh.tolist()
        by_person: dict[int, list] = {}
        for c in life.register_changes:
            if c.kind == "mobile":
                by_person.setdefault(c.who, []).append(c)
            else:
                start = int(ident.hh_start[c.who])
                for p in range(start, start + int(ident.hh_size[c.who])):
                    by_person.setdefault(p, []).append(c)
        add = self.sink.add
        for p in range(ident.n):
            h = hh_of[p]
            rel = ("20" if male[p] else "30") if role[p] == CHILD else RELATION[role[p]]
            values = [
                ids[p],
                names[p],
                "1" if male[p] else "2",
                ymd8(births[p]),
                eth[p],
                hh.number[h],
                rel,
                hh.address[h],
                hh.county[h],
                str(mobiles[p]) if mobiles[p] else "",
                dt(stamps[p]),
            ]
            flags = F_HEAD if role[p] == HEAD else 0
            changes = by_person.get(p)
            if not changes:
                add(self.all, values, flags)
                continue
            first = min(c.batch for c in changes)
            add(self.all[:first], values, flags)
            for bi in range(first, self.n):
                now = list(values)
                notes = []
                for c in changes:
                    if c.batch > bi:
                        continue
                    if c.kind == "mobile":
                        now[9] = str(c.mobile)
                        if c.batch == bi:
                            notes.append(("mobile", "update", values[9], now[9]))
                    else:
                        now[7] = hh.next_address[h]
                        if c.batch == bi:
                            notes.append(("address", "update", values[7], now[7]))
                    now[10] = dt(c.stamp) if c.stamp > stamps[p] else now[10]
                add(bi, now, flags | PROTECT, notes or None)


GENERATORS = (HouseholdRegister,)
