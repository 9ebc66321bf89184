"""统计 macro indicators: monthly increments of annual, quarterly and monthly figures.

The first batch carries the history; each later one the month just ended (and
the quarter, when one ended). The last batch revises last year's A01 and A02
for every region. County figures of additive indicators sum to the city's
within a fraction of a percent, revised or not.
"""

from __future__ import annotations

import random

from synth import vocab
from synth.defects import PROTECT
from synth.rng import stream
from synth.sources import Generator
from synth.timeline import add_months

CITY = "371600"
REVISED = ("A01", "A02")


class MacroIndicator(Generator):
    source_id = "tjj.macro_indicator"

    def begin(self) -> None:
        r = random.Random(int(stream(self.world.seed, "macro").integers(2**62)))
        self.r = r
        # the year of the first batch's reporting month is "this year": earlier years are history
        this_year = add_months(self.batches[0].slot, -1).year
        rows: dict[int, list] = {i: [] for i in range(self.n)}
        city_gdp, city_rev, city_retail, city_pop = 2400.0, 150.0, 900.0, 390.0
        for y in range(this_year - 10, this_year):
            g = 1 + r.uniform(0.02, 0.07)
            city_gdp, city_rev, city_retail = city_gdp * g, city_rev * g, city_retail * g
            city_pop *= 1 + r.uniform(-0.004, 0.004)
            self.additive(rows[0], "A01", str(y), city_gdp)
            self.additive(rows[0], "A02", str(y), city_rev)
            self.additive(rows[0], "A03", str(y), city_retail)
            self.rates(rows[0], "A04", str(y), 2, 10)
            rows[0].append(self.row("A05", CITY, str(y), round(r.uniform(99.5, 103.0), 2)))
            self.additive(rows[0], "A06", str(y), city_pop)
        last_year = (this_year - 1, city_gdp, city_rev)
        # months (A03/A04/A05) and quarters (A01/A02, cumulative) reported since January
        for bi, batch in enumerate(self.batches):
            last_month = add_months(batch.slot, -1)
            if bi == 0:
                months = [add_months(last_month, -k) for k in range(last_month.month)][::-1]
            else:
                months = [last_month]
            for m in months:
                period = f"{m.year}-{m.month:02d}"
                self.additive(rows[bi], "A03", period, city_retail / 12 * r.uniform(0.9, 1.1))
                self.rates(rows[bi], "A04", period, 1, 12)
                rows[bi].append(self.row("A05", CITY, period, round(r.uniform(99.0, 102.5), 2)))
                if m.month % 3 == 0:
                    q = f"{m.year}Q{m.month // 3}"
                    self.additive(rows[bi], "A01", q, city_gdp / 4 * m.month / 3 * r.uniform(1.0, 1.08))
                    self.additive(rows[bi], "A02", q, city_rev / 4 * m.month / 3 * r.uniform(1.0, 1.08))
        # the revision of last year's figures, in the last batch
        year, gdp, rev = last_year
        for code, value in zip(REVISED, (gdp, rev)):
            self.additive(rows[self.n - 1], code, str(year), value * r.uniform(1.005, 1.02), revised=True)
        self.rows = rows

    def row(self, code: str, region: str, period: str, value: float) -> list:
        name, unit, _ = vocab.INDICATORS[code]
        return [code, name, region, period, value, unit]

    def additive(self, out: list, code: str, period: str, city: float, revised: bool = False) -> None:
        """City value plus county values that sum to it within 0.3%."""
        r = self.r
        shares = [s * r.uniform(0.95, 1.05) for s in vocab.COUNTY_ECON_SHARE]
        if code == "A06":
            shares = [w * r.uniform(0.97, 1.03) for w in vocab.COUNTY_WEIGHTS]
        total = sum(shares)
        counties = [round(city * s / total, 2) for s in shares]
        city_value = round(sum(counties) * r.uniform(0.997, 1.003), 2)
        out.append(self.row(code, CITY, period, city_value) + [revised])
        for c, v in zip(vocab.COUNTIES, counties):
            out.append(self.row(code, c, period, v) + [revised])

    def rates(self, out: list, code: str, period: str, lo: float, hi: float) -> None:
        for region in (CITY,) + vocab.COUNTIES:
            out.append(self.row(code, region, period, round(self.r.uniform(lo, hi), 1)))

    def block(self, blk) -> None:
        pass

    def end(self) -> None:
        earlier = {}
        for row in self.rows[0]:
            earlier[(row[0], row[2], row[3])] = row[4]
        for bi in range(self.n):
            for row in self.rows[bi]:
                revised = len(row) > 6 and row[6]
                values = row[:6]
                if revised:
                    old = earlier[(values[0], values[2], values[3])]
                    self.sink.add(bi, values, PROTECT, [("value", "revision", old, values[4])])
                else:
                    self.sink.add(bi, values)


GENERATORS = (MacroIndicator,)
