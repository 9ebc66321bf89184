"""With defect_rate=0 the synthetic city is clean: valid identifiers, every rule of the
spec holds, and every cross-source fact agrees (the same bar the shared clean sample sets).
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from datetime import date, datetime, timedelta

import pytest
from shapely.geometry import Polygon
from synth_landing import as_text, deliveries

from govlake.identifiers import (
    id_card_birth_date,
    id_card_gender,
    is_valid_icd10,
    is_valid_id_card,
    is_valid_industry,
    is_valid_licence_id,
    is_valid_mobile,
    is_valid_patent_no,
    is_valid_uscc,
)
from govlake.registry.schema import ConditionalCheck
from synth import generate_city

PERSONS = 1500
VALIDATORS = {
    "id_card": is_valid_id_card,
    "uscc": is_valid_uscc,
    "licence_id": is_valid_licence_id,
    "patent_no": is_valid_patent_no,
    "mobile": is_valid_mobile,
    "icd10": is_valid_icd10,
    "industry": is_valid_industry,
}
DATE_FORMATS = {"YYYYMMDD": "%Y%m%d", "YYYY-MM-DD": "%Y-%m-%d", "YYYY-MM-DD HH:MM:SS": "%Y-%m-%d %H:%M:%S"}


@pytest.fixture(scope="module")
def city(tmp_path_factory, registry):
    out = tmp_path_factory.mktemp("clean") / "landing"
    summary = generate_city(out, persons=PERSONS, seed=7, defect_rate=0.0)
    data = {sid: deliveries(out, src) for sid, src in registry.sources.items()}
    return out, summary, data


def rows(city, sid):
    """(batch, record values) of every record of a source, oldest batch first."""
    return [(d.batch, r.values) for d in city[2][sid] for r in d.records]


@pytest.fixture(scope="module")
def register(city):
    """id_no -> household-register row of the latest snapshot."""
    latest = max(d.batch for d in city[2]["gaj.household_register"])
    return {v["id_no"]: v for b, v in rows(city, "gaj.household_register") if b == latest}


@pytest.fixture(scope="module")
def firms(city):
    """uscc -> the enterprise register's latest row (the latest changed_at wins)."""
    best = {}
    for _, v in rows(city, "scjg.enterprise_register"):
        if v["uscc"] not in best or v["changed_at"] > best[v["uscc"]]["changed_at"]:
            best[v["uscc"]] = v
    return best


@pytest.fixture(scope="module")
def dead(city):
    return {v["id_no"]: v["death_date"] for _, v in rows(city, "wjw.death_record")}


def test_no_defects_are_listed(city):
    out, summary, _ = city
    assert summary.defects == 0
    assert summary.truth_path.read_text(encoding="utf-8").splitlines() == [
        "source,batch,file,line,record_key,column,kind,original,injected"
    ]


def test_every_source_delivers_rows(city, registry):
    _, summary, data = city
    assert set(summary.sources) == set(registry.sources)
    for sid, counts in summary.sources.items():
        assert counts.rows == sum(len(d.records) for d in data[sid]), sid
        assert counts.rows > 0, sid


def test_identifiers_and_formats_are_valid(city, registry):
    current = set(registry.city.current_codes)
    for sid, src in registry.sources.items():
        for batch, v in rows(city, sid):
            for c in src.columns:
                value = v[c.name]
                if value is None or value == "":
                    assert not c.required, (sid, batch, c.name)
                    continue
                checks = c.checks
                if isinstance(c.check, ConditionalCheck):
                    checks = [c.check.cases[v[c.check.by]]]
                named = [k for k in checks if k in VALIDATORS]
                if named:
                    assert any(VALIDATORS[k](str(value)) for k in named), (sid, c.name, value)
                if "region" in checks:
                    assert value in current, (sid, c.name, value)
                codes = registry.codes(c)
                if codes is not None:
                    assert str(value) in codes, (sid, c.name, value)
                if c.range is not None:
                    assert c.range[0] <= float(value) <= c.range[1], (sid, c.name, value)
                if c.type in ("date", "datetime") and isinstance(value, str):
                    fmt = DATE_FORMATS.get(c.format or "")
                    if fmt is None:  # 'YYYY/M/D or an Excel date cell'
                        datetime.strptime(value, "%Y/%m/%d")
                    else:
                        datetime.strptime(value, fmt)
                if c.pattern:
                    assert re.match(c.pattern, str(value)), (sid, c.name, value)


def test_keys_are_unique_within_each_file(city, registry):
    for sid, src in registry.sources.items():
        for d in city[2][sid]:
            keys = Counter(tuple(as_text(r.values[k]) for k in src.key) for r in d.records)
            assert max(keys.values(), default=1) == 1, (sid, d.file)


def test_patent_type_digit_matches(city):
    digit = {"发明": "1", "实用新型": "2", "外观设计": "3"}
    for _, v in rows(city, "scjg.patent"):
        assert v["application_no"][6] == digit[v["patent_type"]]
        if v["granted_on"]:
            assert v["granted_on"] > v["applied_on"]
        if v["legal_status"] == "有效":
            assert v["granted_on"]


def test_household_register_rules(city):
    for d in city[2]["gaj.household_register"]:
        heads = Counter()
        households = set()
        for r in d.records:
            v = r.values
            assert v["birth_date"] == v["id_no"][6:14]
            assert v["gender"] == id_card_gender(v["id_no"])
            households.add(v["household_no"])
            heads[v["household_no"]] += v["relation_to_head"] == "02"
        if "_part" not in d.file:
            assert all(heads[h] == 1 for h in households), d.file
    ids = Counter(v["id_no"] for b, v in rows(city, "gaj.household_register") if b.endswith("09-30"))
    assert max(ids.values()) == 1  # unique across the two part files of the split batch


def test_id_region_is_the_code_in_force_at_birth(register):
    born_before_2000 = [i for i in register if i[6:10] < "2000"]
    assert born_before_2000
    city_born = [i for i in born_before_2000 if i.startswith("37")]
    assert sum(i.startswith("3723") for i in city_born) / len(city_born) > 0.8
    assert not any(i.startswith("3716") for i in register if i[6:14] < "20000601")


def test_births_link_to_real_parents(city, register):
    births = rows(city, "wjw.birth_certificate")
    assert births
    for batch, v in births:
        mother = register[v["mother_id_no"]]
        assert mother["gender"] == "2"
        born = date.fromisoformat(v["birth_date"])
        assert born - id_card_birth_date(v["mother_id_no"]) >= timedelta(days=14 * 366)
        if v["father_id_no"]:
            assert register[v["father_id_no"]]["gender"] == "1"
        assert v["birth_date"] <= v["issued_on"] < batch


def test_deaths_are_registered_persons(city, register):
    deaths = rows(city, "wjw.death_record")
    assert deaths
    for batch, v in deaths:
        assert register[v["id_no"]]["name"] == v["name"]
        assert v["id_no"][6:14] <= v["death_date"].replace("-", "")
        assert v["death_date"] < batch


def test_marriages_between_real_persons_of_age(city, register):
    marriages = rows(city, "mzj.marriage_register")
    assert any(v["reg_type"] == "结婚" for _, v in marriages)
    for _, v in marriages:
        assert int(v["man_id_no"][16]) % 2 == 1 and int(v["woman_id_no"][16]) % 2 == 0
        assert register[v["man_id_no"]]["name"] == v["man_name"]
        assert register[v["woman_id_no"]]["name"] == v["woman_name"]
        when = v["reg_date"]
        when = when.date() if isinstance(when, datetime) else datetime.strptime(when, "%Y/%m/%d").date()
        if v["reg_type"] == "结婚":
            for key, age in (("man_id_no", 22), ("woman_id_no", 20)):
                born = id_card_birth_date(v[key])
                assert date(born.year + age, born.month, min(born.day, 28)) <= when


def test_social_insurance_employers_and_the_dead(city, register, firms, dead):
    for _batch, v in rows(city, "rsj.social_insurance"):
        assert register[v["id_no"]]["name"] == v["name"]
        if v["insurance_type"] != "120":
            assert v["employer_uscc"] in firms
        if v["id_no"] in dead:
            assert v["status"] != "1"
    assert any(v["id_no"] in dead for _, v in rows(city, "rsj.social_insurance"))


def test_allowance_is_not_paid_to_the_dead(city, register, dead):
    allowance = rows(city, "mzj.subsistence_allowance")
    assert allowance
    for _, v in allowance:
        assert register[v["id_no"]]["name"] == v["name"]
        if v["id_no"] in dead:
            assert v["status"] == "停保"


def test_licences_are_held_by_real_holders(city, registry, register, firms):
    issuers = {d.uscc: d.name for d in registry.departments.values()}
    licences = rows(city, "dsj.e_licence")
    assert {v["licence_type"] for _, v in licences} >= {
        "11100000000013338W001",
        "11100000000013127D003",
        "11100000000012345X005",
    }
    for _, v in licences:
        assert issuers[v["issuer_uscc"]] == v["issuer_name"]
        assert v["licence_id"].split(".")[6] == v["issuer_uscc"]
        holder = register.get(v["holder_code"]) or firms[v["holder_code"]]
        assert holder["name"] == v["holder_name"]
        if v["holder_code"] in firms and firms[v["holder_code"]]["status"] in ("注销", "吊销"):
            assert v["status"] != "有效"
        if v["valid_until"]:
            assert v["valid_until"] >= v["issued_on"]
    assert any(v["holder_code"] in firms and firms[v["holder_code"]]["status"] in ("注销", "吊销") for _, v in licences)


def test_taxpayers_agree_with_the_enterprise_register(city, firms):
    taxpayers = rows(city, "swj.taxpayer")
    for _, v in taxpayers:
        assert firms[v["uscc"]]["name"] == v["name"]
        if firms[v["uscc"]]["status"] == "注销":
            assert v["tax_status"] != "正常"
    assert any(firms[v["uscc"]]["status"] == "注销" for _, v in taxpayers)


def test_other_name_copies_agree(city, register, firms):
    for _, v in rows(city, "xyzx.double_publicity"):
        holder = register.get(v["subject_code"]) or firms[v["subject_code"]]
        assert holder["name"] == v["subject_name"]
        assert (v["fine_amount"] != "") <= (v["kind"] == "行政处罚")
    for _, v in rows(city, "yjj.hazard_enterprise"):
        assert firms[v["uscc"]]["name"] == v["name"]
    for _, v in rows(city, "xczx.monitored_household"):
        head = register[v["head_id_no"]]
        assert head["name"] == v["head_name"] and head["relation_to_head"] == "02"
        members = sum(1 for p in register.values() if p["household_no"] == head["household_no"])
        assert int(v["household_size"]) == members
    for _, v in rows(city, "zrzy.land_parcel"):
        if v["owner_code"]:
            holder = register.get(v["owner_code"]) or firms[v["owner_code"]]
            assert holder["name"] == v["owner_name"]
    for _, v in rows(city, "scjg.patent"):
        if v["applicant_code"]:
            holder = register.get(v["applicant_code"]) or firms[v["applicant_code"]]
            assert holder["name"] == v["applicant_name"]


def _area_m2(ring):
    """Independent check: degree lengths of the WGS84/CGCS2000 series, shoelace formula."""
    lat0 = math.radians(sum(p[1] for p in ring[:-1]) / (len(ring) - 1))
    m_per_deg_lat = 111132.92 - 559.82 * math.cos(2 * lat0) + 1.175 * math.cos(4 * lat0)
    m_per_deg_lon = 111412.84 * math.cos(lat0) - 93.5 * math.cos(3 * lat0)
    xy = [(lon * m_per_deg_lon, lat * m_per_deg_lat) for lon, lat in ring]
    return abs(sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in zip(xy, xy[1:]))) / 2


def test_parcels_lie_in_the_city_with_consistent_area(city, registry):
    (lon0, lon1), (lat0, lat1) = registry.city.bbox["lon"], registry.city.bbox["lat"]
    parcels = rows(city, "zrzy.land_parcel")
    assert parcels
    for _, v in parcels:
        ring = v["geometry"]["coordinates"][0]
        assert v["geometry"]["type"] == "Polygon" and ring[0] == ring[-1]
        assert Polygon(ring).is_valid
        assert all(lon0 <= x <= lon1 and lat0 <= y <= lat1 for x, y in ring)
        assert abs(_area_m2(ring) - v["area_m2"]) / v["area_m2"] < 0.05
    for _, v in rows(city, "zrzy.standard_address"):
        assert lon0 <= float(v["lon"]) <= lon1 and lat0 <= float(v["lat"]) <= lat1


def test_county_gdp_sums_to_the_city(city, registry):
    counties = set(registry.city.counties)
    checked = 0
    for d in city[2]["tjj.macro_indicator"]:
        by_period = defaultdict(dict)
        for r in d.records:
            v = r.values
            if v["indicator_code"] == "A01":
                by_period[v["period"]][v["region_code"]] = v["value"]
        for period, values in by_period.items():
            total = sum(x for code, x in values.items() if code in counties)
            assert abs(total - values["371600"]) / values["371600"] <= 0.01, (d.file, period)
            checked += 1
    assert checked >= 10


def test_the_delivery_calendar(city):
    out = city[0]
    dirs = {p.name: sorted(x.name for x in p.iterdir()) for p in out.iterdir() if not p.name.startswith("_")}
    assert len(dirs) == 16
    hh = sorted((out / "gaj.household_register").iterdir())
    assert [p.name for p in hh] == ["2026-09-29", "2026-09-30", "2026-10-01", "2026-10-02", "2026-10-03"]
    assert sorted(x.name for x in hh[1].iterdir()) == ["_READY", "hjrk_20260930_part1.csv", "hjrk_20260930_part2.csv"]
    assert dirs["wjw.death_record"] == ["2026-09-29", "2026-09-30", "2026-10-02", "2026-10-03"]
    assert dirs["swj.taxpayer"] == ["2026-08-01", "2026-09-04", "2026-10-01"]
    assert (out / "swj.taxpayer" / "2026-09-04" / "nsr_202609.json").is_file()
    assert dirs["zrzy.land_parcel"] == ["2026-07-01", "2026-10-01"]
    assert (out / "zrzy.land_parcel" / "2026-07-01" / "zd_2026Q3.geojson").is_file()
    for source_dir in out.iterdir():
        if source_dir.name.startswith("_"):
            continue
        for batch in source_dir.iterdir():
            ready = batch / "_READY"
            assert ready.is_file() and ready.stat().st_size == 0
    changes = city[1].changes_path.read_text(encoding="utf-8")
    for kind in ("missing_batch", "late_batch", "split_batch", "revision", "update"):
        assert f",{kind}," in changes


def test_changes_across_batches(city, firms):
    by_uscc = defaultdict(list)
    for batch, v in rows(city, "scjg.enterprise_register"):
        by_uscc[v["uscc"]].append((batch, v))
    changed = {u: seq for u, seq in by_uscc.items() if len(seq) > 1}
    kinds = set()
    for seq in changed.values():
        for (b1, v1), (b2, v2) in zip(seq, seq[1:]):
            assert b1 < b2 and v1["changed_at"] < v2["changed_at"]
            kinds |= {c for c in ("status", "name", "address", "registered_capital") if v1[c] != v2[c]}
    assert kinds == {"status", "name", "address", "registered_capital"}
    people = defaultdict(dict)
    for batch, v in rows(city, "gaj.household_register"):
        people[v["id_no"]][batch] = v
    moved = phoned = 0
    for snaps in people.values():
        first, last = snaps[min(snaps)], snaps[max(snaps)]
        if first != last:
            assert last["updated_at"] > first["updated_at"]
            moved += first["address"] != last["address"]
            phoned += first["mobile"] != last["mobile"]
    assert moved and phoned
    revised = defaultdict(set)
    for _batch, v in rows(city, "tjj.macro_indicator"):
        revised[(v["indicator_code"], v["region_code"], v["period"])].add(v["value"])
    assert any(len(values) > 1 for values in revised.values())


def test_encodings_headers_and_sheets(city, registry):
    from openpyxl import load_workbook

    out = city[0]
    for sid, src in registry.sources.items():
        for f in sorted((out / sid).glob("*/*")):
            if f.name == "_READY":
                continue
            raw = f.read_bytes()
            headers = [c.header for c in src.columns]
            if src.format == "csv":
                assert raw.startswith(b"\xef\xbb\xbf") == (src.encoding == "utf-8-sig"), f
                text = raw.decode(src.encoding)
                assert text.split("\r\n", 1)[0].lstrip("\ufeff") == ",".join(headers)
                if src.encoding == "gb18030":
                    with pytest.raises(UnicodeDecodeError):
                        raw.decode("utf-8")
                assert re.search(r"[\u4e00-\u9fff]", text)
            elif src.format == "xlsx":
                wb = load_workbook(f, read_only=True)
                assert wb.sheetnames == [src.sheet]
                assert [c.value for c in next(wb[src.sheet].iter_rows(max_row=1))] == headers
                wb.close()
            else:
                text = raw.decode("utf-8")
                assert not text.startswith("\ufeff")
                if text.strip():
                    assert re.search(r"[\u4e00-\u9fff]", text)
