"""卫健 birth certificates (daily, by issue date) and death records (daily increments)."""

from __future__ import annotations

from synth.sources import Generator
from synth.timeline import ymd


class BirthCertificate(Generator):
    source_id = "wjw.birth_certificate"

    def block(self, blk) -> None:
        ids = blk.people.ids
        for b in blk.life.births:
            bi = self.delivered_in(b.issued)
            if bi >= self.n:
                continue
            self.sink.add(
                bi,
                [
                    b.cert_no,
                    b.name,
                    "1" if b.male else "2",
                    ymd(b.born),
                    ids[b.mother],
                    ids[b.father] if b.father >= 0 else None,
                    b.place,
                    b.region,
                    ymd(b.issued),
                ],
            )


class DeathRecord(Generator):
    source_id = "wjw.death_record"

    def block(self, blk) -> None:
        ident, people, life = blk.ident, blk.people, blk.life
        hh = people.households
        for p in (life.death_day >= 0).nonzero()[0].tolist():
            day = int(life.death_day[p])
            bi = self.delivered_in(day)
            if bi >= self.n:
                continue
            self.sink.add(bi, [people.ids[p], people.names[p], ymd(day), life.cause[p], hh.county[int(ident.hh[p])]])


GENERATORS = (BirthCertificate, DeathRecord)
