"""Building blocks of the synthetic world: calendar, IDs, geometry, defect eligibility."""

from __future__ import annotations

import math
import random
from datetime import date

import numpy as np

from govlake.identifiers import id_card_birth_date, is_valid_id_card, is_valid_uscc
from synth import geo
from synth.batches import schedule
from synth.defects import Injector, SourceDefects
from synth.population import id_numbers
from synth.rng import stream
from synth.timeline import Timeline
from synth.world import World


def test_timeline_anchors():
    t = Timeline.ending(date(2026, 10, 3))
    assert t.daily[0] == date(2026, 9, 29) and t.daily[-1] == date(2026, 10, 3)
    assert t.monthly == (date(2026, 8, 1), date(2026, 9, 1), date(2026, 10, 1))
    assert t.quarterly == (date(2026, 7, 1), date(2026, 10, 1))
    t = Timeline.ending(date(2027, 1, 15))
    assert t.monthly == (date(2026, 11, 1), date(2026, 12, 1), date(2027, 1, 1))
    assert t.quarterly == (date(2026, 10, 1), date(2027, 1, 1))


def test_schedule_names_files_from_the_slot(registry):
    s = schedule(registry, Timeline.ending(date(2026, 10, 3)))
    assert [b.files for b in s["tjj.macro_indicator"]] == [
        ("zyjjzb_202608.xlsx",),
        ("zyjjzb_202609.xlsx",),
        ("zyjjzb_202610.xlsx",),
    ]
    late = s["swj.taxpayer"][1]
    assert late.date == date(2026, 9, 4) and late.files == ("nsr_202609.json",)
    for sid, batches in s.items():
        src = registry.sources[sid]
        for b in batches:
            assert all(src.file_regex.match(f) for f in b.files), (sid, b.files)


def test_ids_are_unique_valid_and_coded_at_birth(registry):
    world = World(registry, seed=3, persons=20_000, end_date=date(2026, 10, 3))
    seen = set()
    for b in range(world.n_blocks):
        block = world.block(b)
        ids = block.people.ids
        assert all(is_valid_id_card(i) for i in ids)
        seen.update(ids)
        for i, born in zip(ids, block.ident.birth.tolist()):
            assert (id_card_birth_date(i) - date(1970, 1, 1)).days == born
    assert len(seen) == world.persons


def test_id_numbers_match_the_scalar_algorithm(registry):
    from govlake.identifiers import make_id_card

    world = World(registry, seed=9, persons=500, end_date=date(2026, 10, 3))
    ident = world.block(0).ident
    ids = id_numbers(world.lineage, ident)
    for i, code, seq in zip(ids, ident.code.tolist(), ident.seq.tolist()):
        assert i == make_id_card(world.lineage.codes[code], id_card_birth_date(i), seq)


def test_enterprise_codes_are_unique_and_valid(registry):
    world = World(registry, seed=4, persons=30_000, end_date=date(2026, 10, 3))
    codes = [f.uscc for b in range(world.n_blocks) for f in world.block(b).firms.all]
    assert len(codes) == len(set(codes)) > 1000
    assert all(is_valid_uscc(c) for c in codes)


def test_polygon_area_agrees_with_a_geodesic_estimate():
    rng = stream(1, "test")
    for target in (200, 5_000, 150_000):
        ring = geo.polygon(rng, 117.9, 37.4, target, 7)
        area = geo.area_m2(ring)
        assert abs(area - target) / target < 0.02
        # spherical excess on the authalic sphere, an independent formula
        r = 6_371_007.2
        s = 0.0
        for (l1, p1), (l2, p2) in zip(ring, ring[1:]):
            s += math.radians(l2 - l1) * (2 + math.sin(math.radians(p1)) + math.sin(math.radians(p2)))
        assert abs(abs(s) * r * r / 2 - area) / area < 0.01


def test_injector_rate_and_eligibility(registry):
    src = registry.sources["mzj.subsistence_allowance"]
    spec = SourceDefects(registry, src)
    inj = Injector(spec, 0.05, random.Random(1), [], None)
    values = ["372301199001011234", "张伟", 3, 500.0, "2024-01-02", "在保", "371602"]
    hits = [inj.draw(values, 0) for _ in range(20_000)]
    kinds = {d.kind for d in hits if d}
    assert 0.04 < sum(1 for d in hits if d) / len(hits) < 0.06
    # a living payee never gets dead_person_paid; keys are never blanked
    assert "dead_person_paid" not in kinds
    assert all(not (d.kind == "blank_required" and d.col in (0, 4)) for d in hits if d)
    assert {"out_of_range", "name_mismatch", "retired_region_code", "duplicate_key"} <= kinds


def test_streams_depend_on_seed_and_name_only():
    assert stream(42, "identity", 0).integers(10**9) == stream(42, "identity", 0).integers(10**9)
    assert np.array_equal(stream(1, "a").random(3), stream(1, "a").random(3))
    assert not np.array_equal(stream(1, "a").random(3), stream(2, "a").random(3))
    assert not np.array_equal(stream(1, "a").random(3), stream(1, "b").random(3))


def test_a_new_year_end_date(tmp_path, registry):
    from synth_landing import deliveries

    from synth import generate_city

    end = date(2027, 1, 15)
    out = tmp_path / "landing"
    summary = generate_city(out, persons=400, seed=2, defect_rate=0.0, end_date=end)
    assert summary.defects == 0
    for sid in registry.sources:
        for batch in (out / sid).iterdir():
            assert date.fromisoformat(batch.name) <= end
    for d in deliveries(out, registry.sources["tjj.macro_indicator"]):
        month = d.batch[:7]
        for r in d.records:
            period = r.values["period"]
            if "Q" in period:  # a quarter is reported once its last month is over
                period = f"{period[:4]}-{3 * int(period[5]):02d}"
            elif "-" not in period:
                period += "-12"
            assert period < month, (d.file, r.values["period"])
    for d in deliveries(out, registry.sources["scjg.enterprise_register"]):
        assert all(is_valid_uscc(r.values["uscc"]) for r in d.records)
