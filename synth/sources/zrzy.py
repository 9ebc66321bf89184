"""自然资源 land parcels (quarterly GeoJSON snapshot) and standard addresses (monthly snapshot)."""

from __future__ import annotations

import random
from datetime import date

from synth import geo, vocab
from synth.defects import PROTECT
from synth.rng import stream
from synth.sources import Generator
from synth.timeline import ed, years

PARCELS_PER_BLOCK = 1024
ED_2000 = ed(date(2000, 1, 1))
AREA = {
    "0601": (3000, 80000),
    "0602": (5000, 200000),
    "0604": (2000, 30000),
    "0501": (500, 20000),
    "0505": (800, 15000),
    "0701": (2000, 40000),
    "0702": (150, 600),
    "0101": (2000, 60000),
    "0103": (2000, 60000),
    "0201": (1000, 30000),
    "1001": (5000, 90000),
    "1003": (3000, 60000),
    "1101": (5000, 150000),
    "1201": (300, 5000),
    "0301": (5000, 120000),
    "0801": (1000, 20000),
    "0803": (5000, 60000),
    "0810": (2000, 50000),
}


class LandParcel(Generator):
    source_id = "zrzy.land_parcel"

    def block(self, blk) -> None:
        world = self.world
        rng = stream(world.seed, "parcels", blk.b)
        r = random.Random(int(rng.integers(2**62)))
        ident, people, life = blk.ident, blk.people, blk.life
        firms = [f for f in blk.firms.all if f.quotable and f.new_batch == 0]
        adults = [p for p in range(ident.n) if not life.doomed[p] and ident.birth[p] < self.days[0] - years(20)]
        parcels = []

        def owner(kind: float, day: int):
            if kind < 0.55 and firms:
                f = firms[r.randrange(len(firms))]
                if f.established < day:
                    return "firm", f.name, f.uscc
            if kind < 0.85 and adults:
                p = adults[r.randrange(len(adults))]
                return "person", people.names[p], people.ids[p]
            return "public", None, None

        def make(registered: int) -> None:
            local = len(parcels)
            if local >= PARCELS_PER_BLOCK:
                return
            g = blk.b * PARCELS_PER_BLOCK + local
            county = vocab.COUNTIES[r.choices(range(7), vocab.COUNTY_WEIGHTS)[0]]
            kind, name, code = owner(r.random(), registered)
            use = r.choice(
                {"firm": vocab.LAND_USE_ENTERPRISE, "person": vocab.LAND_USE_PERSON, "public": vocab.LAND_USE_PUBLIC}[
                    kind
                ]
            )
            lo, hi = AREA[use]
            lon, lat = geo.points(rng, county, 1)
            ring = geo.polygon(rng, float(lon[0]), float(lat[0]), r.uniform(lo, hi), r.randint(5, 8))
            area = round(geo.area_m2(ring), 2)
            parcel_code = (
                f"{county}{1 + g // 100_000:03d}{r.randint(1, 20):03d}{r.choice(('GB', 'JC'))}{g % 100_000:05d}"
            )
            parcels.append(
                [registered, [parcel_code, use, area, name, code, county, {"type": "Polygon", "coordinates": [ring]}]]
            )

        first = self.days[0]
        for _ in range(max(1, round(ident.n / 25))):
            make(ED_2000 + r.randrange(first - ED_2000))
        for bi in range(1, self.n):
            for _ in world.block_events("parcel_new", bi, blk.b):
                make(r.randrange(self.days[bi - 1], self.days[bi]))
        changes: dict[int, tuple[int, tuple]] = {}
        for bi in range(1, self.n):
            for _ in world.block_events("parcel_owner_change", bi, blk.b):
                cand = [
                    i
                    for i, p in enumerate(parcels)
                    if p[0] < self.days[bi - 1] and i not in changes and p[1][3] is not None
                ]
                if not cand:
                    continue
                i = cand[r.randrange(len(cand))]
                kind, name, code = owner(r.random() * 0.85, self.days[bi - 1])
                if name is not None and name != parcels[i][1][3]:
                    changes[i] = (bi, (name, code))
        for i, (registered, values) in enumerate(parcels):
            targets = self.existing_from(registered)
            change = changes.get(i)
            if change is None:
                self.sink.add(targets, values)
                continue
            bi, (name, code) = change
            before = tuple(t for t in targets if t < bi)
            if before:
                self.sink.add(before, values)
            now = list(values)
            now[3], now[4] = name, code
            for t in targets:
                if t >= bi:
                    notes = (
                        [("owner_name", "update", values[3], name), ("owner_code", "update", values[4], code)]
                        if t == bi
                        else None
                    )
                    self.sink.add(t, now, PROTECT, notes)


class StandardAddress(Generator):
    source_id = "zrzy.standard_address"

    def block(self, blk) -> None:
        hh = blk.people.households
        movers = blk.life.movers
        add = self.sink.add
        for h in range(len(hh.number)):
            lon, lat = hh.lonlat[h]
            add(self.all, [hh.address_code[h], hh.address[h], hh.county[h], f"{lon:.6f}", f"{lat:.6f}"])
            if h in movers:
                lon, lat = hh.next_lonlat[h]
                add(self.all, [hh.next_address_code[h], hh.next_address[h], hh.county[h], f"{lon:.6f}", f"{lat:.6f}"])
        for f in blk.firms.all:
            targets = self.existing_from(f.established)
            if not targets:
                continue
            lon, lat = f.lonlat
            add(targets, [f.address_code, f.address, f.region, f"{lon:.6f}", f"{lat:.6f}"])
            if any(c.kind == "address" for c in f.changes):
                lon, lat = f.next_lonlat
                add(targets, [f.next_address_code, f.next_address, f.region, f"{lon:.6f}", f"{lat:.6f}"])


GENERATORS = (LandParcel, StandardAddress)
