"""Base libraries 公共信用, 宏观经济, 空间地理, 电子证照 under real dbt, on one generated city.

One module-scoped lake (1,500 persons, seed 3), built the way a daily schedule builds it:
  round 1  every batch before the one that revises 统计's figures, built;
  round 2  the held-back batches arrive, with a probe batch of e-licences whose holders are
           a known person, a known enterprise, and codes no golden record holds, and one
           parcel whose declared area is half as large again as its polygon; built;
  round 3  a death record makes one unknown holder a (golden) person, and one probe licence
           is delivered again, cancelled; built;
  then     the models of these libraries rebuilt with --full-refresh, to compare.
Expected values come from the generator's truth files (changes.csv, its polygon area
formula) and from the probes written here, not from the SQL under test.
"""

from __future__ import annotations

import csv
import json
import shutil
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import duckdb
import pytest

from govlake import identifiers as ids
from govlake.registry import load_registry
from govlake.settings import Lake
from synth import geo
from transform.dbt_runner import run_dbt

pytestmark = pytest.mark.slow

INCREMENTAL_MODELS = (
    "base_public_credit__decision",
    "base_macro_economy__indicator_revision",
    "base_spatial__land_parcel",
    "base_spatial__standard_address",
    "base_e_licence__licence",
)
TABLE_MODELS = ("base_public_credit__subject_summary", "base_macro_economy__indicator")
MODELS = INCREMENTAL_MODELS + TABLE_MODELS
RUN_AUDIT_COLUMNS = {"_staged_at"}  # when the run that staged a row started: differs between builds

LICENCE_PROBE_BATCH, LATE_PROBE_BATCH = "2026-12-30", "2026-12-31"
BUSINESS, MARRIAGE = "11100000000013338W001", "11100000000013127D003"
ISSUER = "11371600MB28482166"  # 滨州市市场监督管理局
UNKNOWN_PERSON = ids.make_id_card("371602", date(1961, 2, 3), 977)
UNKNOWN_ENTERPRISE = ids.make_uscc("9", "1", "371602", "MA0PR0BE")
INVALID_CODE = "NOT-A-CODE"
OVERSIZED_PARCEL_SEQUENCE = "GB99999"  # replaces the last 7 characters of a copied parcel's code


@dataclass
class Built:
    lake: Lake
    landing: Path
    con: duckdb.DuckDBPyConnection
    changes: list[dict]
    probe: dict  # probe name -> licence_id, plus "person" and "enterprise" (the known holders)
    round2: dict = field(default_factory=dict)  # licence_id -> row, after round 2
    incremental: dict = field(default_factory=dict)  # model -> sorted rows after round 3
    full: dict = field(default_factory=dict)  # model -> sorted rows after the full refresh

    def q(self, sql: str, params: list | None = None) -> list[tuple]:
        return self.con.execute(sql, params or []).fetchall()

    def dicts(self, sql: str, params: list | None = None) -> list[dict]:
        cur = self.con.execute(sql, params or [])
        names = [d[0] for d in cur.description]
        return [dict(zip(names, row)) for row in cur.fetchall()]


def _build(lake: Lake, select: list[str], full_refresh: bool = False) -> None:
    result = run_dbt(lake, "build", select=select, full_refresh=full_refresh, quiet=True)
    assert result.success, result.as_dict()


def _snapshot(con, model: str) -> list[tuple]:
    cols = [
        c
        for (c,) in con.execute(
            "select column_name from information_schema.columns where table_name = ? order by ordinal_position", [model]
        ).fetchall()
        if c not in RUN_AUDIT_COLUMNS
    ]
    return sorted(con.execute(f"select {', '.join(cols)} from base.{model}").fetchall(), key=repr)


def _move_batches(src: Path, dst: Path, since: str) -> None:
    for batch in sorted(src.glob("*.*/*")):
        if batch.is_dir() and batch.name >= since:
            target = dst / batch.parent.name / batch.name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(batch, target)


def _write_batch(landing: Path, source_id: str, batch: str, name: str, write) -> None:
    d = landing / source_id / batch
    assert not d.exists(), d
    d.mkdir(parents=True)
    write(d / name, load_registry().source(source_id))
    (d / "_READY").touch()


def _licence(type_code: str, serial: int, holder_name: str, holder_code: str, status: str = "有效") -> list:
    return [
        ids.make_licence_id(type_code, ISSUER, serial),
        type_code,
        holder_name,
        holder_code,
        "滨州市市场监督管理局",
        ISSUER,
        "2026-12-29",
        None,
        status,
    ]


def _jsonl(rows: list[list]):
    def write(path: Path, source) -> None:
        with path.open("w", encoding="utf-8") as f:
            for row in rows:
                f.write(json.dumps(dict(zip([c.header for c in source.columns], row)), ensure_ascii=False) + "\n")

    return write


def _add_oversized_parcel(landing: Path) -> str:
    """A copy of the first parcel of the newest snapshot under a new code, declaring 1.5 times its area."""
    path = max((landing / "zrzy.land_parcel").glob("*/*.geojson"), key=lambda f: f.parent.name)
    collection = json.loads(path.read_text(encoding="utf-8"))
    feature = json.loads(json.dumps(collection["features"][0]))
    props = feature["properties"]
    props["zddm"] = props["zddm"][:-7] + OVERSIZED_PARCEL_SEQUENCE
    props["mj"] = round(geo.area_m2([tuple(p) for p in feature["geometry"]["coordinates"][0]]) * 1.5, 2)
    collection["features"].append(feature)
    path.write_text(json.dumps(collection, ensure_ascii=False), encoding="utf-8")
    return props["zddm"]


@pytest.fixture(scope="module")
def city(tmp_path_factory) -> Built:
    from ingest import ingest_landing
    from synth import generate_city

    root = tmp_path_factory.mktemp("base_libraries")
    landing, held, lake = root / "landing", root / "held", Lake(root / "lake")
    generate_city(landing, persons=1500, seed=3)
    changes = list(csv.DictReader((landing / "_truth" / "changes.csv").open(encoding="utf-8")))
    revised_in = min(c["batch"] for c in changes if c["kind"] == "revision")
    select = [f"+{m}" for m in MODELS]

    with pytest.MonkeyPatch.context() as mp:
        # only tests whose every parent is selected: other libraries' tests stay out
        mp.setenv("DBT_INDIRECT_SELECTION", "cautious")

        # round 1: everything before the revising batch
        _move_batches(landing, held, revised_in)
        ingest_landing(landing, lake)
        _build(lake, select)
        with duckdb.connect(str(lake.warehouse), read_only=True) as con:
            person, person_name = con.execute(
                "select person_id, name from base.base_population__person "
                "where is_registered and name is not null order by person_id limit 1"
            ).fetchall()[0]
            enterprise, enterprise_name = con.execute(
                "select enterprise_id, name from base.base_legal_entity__enterprise "
                "where name is not null order by enterprise_id limit 1"
            ).fetchall()[0]
            for code in (UNKNOWN_PERSON, UNKNOWN_ENTERPRISE):
                assert con.execute(
                    "select count(*) from base.base_population__person where person_id = ?", [code]
                ).fetchall() == [(0,)]
                assert con.execute(
                    "select count(*) from base.base_legal_entity__enterprise where enterprise_id = ?", [code]
                ).fetchall() == [(0,)]

        # round 2: the rest arrives, and the licence and parcel probes
        _move_batches(held, landing, "")
        oversized = _add_oversized_parcel(landing)
        probe_rows = {
            "person": _licence(MARRIAGE, 9_000_001, person_name, person),
            "enterprise": _licence(BUSINESS, 9_000_002, enterprise_name, enterprise),
            "unknown_person": _licence(MARRIAGE, 9_000_003, "甲乙", UNKNOWN_PERSON),
            "unknown_enterprise": _licence(BUSINESS, 9_000_004, "未登记公司", UNKNOWN_ENTERPRISE),
            "invalid_code": _licence(BUSINESS, 9_000_005, "无名", INVALID_CODE),
            "cancelled_later": _licence(BUSINESS, 9_000_006, enterprise_name, enterprise),
        }
        _write_batch(
            landing, "dsj.e_licence", LICENCE_PROBE_BATCH, "dzzz_20261230.jsonl", _jsonl(list(probe_rows.values()))
        )
        ingest_landing(landing, lake)
        _build(lake, select)
        probe = {k: row[0] for k, row in probe_rows.items()} | {
            "person": person,
            "enterprise": enterprise,
            "oversized_parcel": oversized,
        }
        probe["person_licence"] = probe_rows["person"][0]
        probe["enterprise_licence"] = probe_rows["enterprise"][0]
        with duckdb.connect(str(lake.warehouse), read_only=True) as con:
            cur = con.execute("select * from base.base_e_licence__licence where _batch = ?", [LICENCE_PROBE_BATCH])
            names = [d[0] for d in cur.description]
            round2 = {row[0]: dict(zip(names, row)) for row in cur.fetchall()}

        # round 3: the unknown person turns up in a death record; a licence is cancelled
        def death_csv(path: Path, source) -> None:
            with path.open("w", encoding="utf-8", newline="") as f:
                w = csv.writer(f)
                w.writerow([c.header for c in source.columns])
                w.writerow([UNKNOWN_PERSON, "甲乙", "2026-12-30", "I21.9", "371602"])

        _write_batch(landing, "wjw.death_record", LATE_PROBE_BATCH, "swzm_20261231.csv", death_csv)
        cancelled = list(probe_rows["cancelled_later"])
        cancelled[-1] = "注销"
        _write_batch(landing, "dsj.e_licence", LATE_PROBE_BATCH, "dzzz_20261231.jsonl", _jsonl([cancelled]))
        ingest_landing(landing, lake)
        _build(lake, select)
        with duckdb.connect(str(lake.warehouse), read_only=True) as con:
            incremental = {m: _snapshot(con, m) for m in INCREMENTAL_MODELS + TABLE_MODELS}

        # the same models rebuilt from all staged rows at once
        _build(lake, list(MODELS), full_refresh=True)

    con = duckdb.connect(str(lake.warehouse), read_only=True)
    built = Built(lake, landing, con, changes, probe, round2, incremental, {m: _snapshot(con, m) for m in MODELS})
    yield built
    con.close()


# --- 宏观经济 -----------------------------------------------------------------------------------
def _revisions(city: Built) -> list[dict]:
    revisions = [c for c in city.changes if c["kind"] == "revision" and c["source"] == "tjj.macro_indicator"]
    assert revisions
    return revisions


def test_revised_macro_figure_keeps_every_delivered_value_in_order(city):
    for c in _revisions(city):
        code, region, period = c["record_key"].split("|")
        rows = city.q(
            """
            select revision_no, value, previous_value, value_changed, is_latest, _batch
            from base.base_macro_economy__indicator_revision
            where indicator_code = ? and region_code = ? and period = ? order by revision_no""",
            [code, region, period],
        )
        assert [(n, float(v)) for n, v, *_ in rows] == [(1, float(c["old"])), (2, float(c["new"]))], c
        assert [(changed, latest) for *_, changed, latest, _ in rows] == [(False, False), (True, True)], c
        assert float(rows[1][2]) == float(c["old"]) and rows[1][-1] == c["batch"], c


def test_revised_macro_figure_latest_value_wins(city):
    for c in _revisions(city):
        code, region, period = c["record_key"].split("|")
        rows = city.q(
            """
            select value, previous_value, revision_count, delivery_count, latest_batch
            from base.base_macro_economy__indicator
            where indicator_code = ? and region_code = ? and period = ?""",
            [code, region, period],
        )
        assert [(float(v), float(p), r, d, b) for v, p, r, d, b in rows] == [
            (float(c["new"]), float(c["old"]), 1, 2, c["batch"])
        ], c


def test_macro_figure_delivered_once_is_not_a_revision(city):
    rows = city.q("""
        select count(*) filter (where delivery_count = 1 and (revision_count <> 0 or previous_value is not null))
        from base.base_macro_economy__indicator""")
    assert rows == [(0,)]


def test_county_sum_flag_on_the_citys_yearly_gdp_matches_a_recomputation(city):
    registry_city = load_registry().city
    latest = city.q("""
        select region_code, period, value from base.base_macro_economy__indicator
        where indicator_code = 'A01' and period_type = 'year'""")
    sums: dict = {}
    for region, period, value in latest:
        if region in registry_city.counties:
            sums[period] = sums.get(period, 0.0) + float(value)
    expected = {
        period: abs(sums[period] - float(value)) <= 0.01 * float(value)
        for region, period, value in latest
        if region == registry_city.region_code
    }
    flags = dict(
        city.q(
            """
        select period, county_sum_agrees from base.base_macro_economy__indicator
        where indicator_code = 'A01' and period_type = 'year' and region_code = ?""",
            [registry_city.region_code],
        )
    )
    assert expected and flags == expected


def test_county_sum_flag_is_only_on_the_citys_yearly_gdp(city):
    assert city.q(
        """
        select count(*) from base.base_macro_economy__indicator
        where county_sum_agrees is not null
            and not (indicator_code = 'A01' and period_type = 'year' and region_code = ?)""",
        [load_registry().city.region_code],
    ) == [(0,)]


# --- 电子证照 -----------------------------------------------------------------------------------
def _licence_row(city: Built, licence_id: str) -> dict:
    rows = city.dicts("select * from base.base_e_licence__licence where licence_id = ?", [licence_id])
    assert len(rows) == 1, licence_id
    return rows[0]


def test_licence_of_a_known_person_resolves_to_the_person(city):
    row = _licence_row(city, city.probe["person_licence"])
    assert (row["holder_person_id"], row["holder_uscc"], row["holder_resolved"], row["holder_flag"]) == (
        city.probe["person"],
        None,
        True,
        None,
    )


def test_licence_of_a_known_enterprise_resolves_to_the_enterprise(city):
    row = _licence_row(city, city.probe["enterprise_licence"])
    assert (row["holder_person_id"], row["holder_uscc"], row["holder_resolved"], row["holder_flag"]) == (
        None,
        city.probe["enterprise"],
        True,
        None,
    )


@pytest.mark.parametrize("probe", ["unknown_enterprise", "invalid_code"])
def test_licence_of_an_unknown_holder_is_flagged(city, probe):
    row = _licence_row(city, city.probe[probe])
    assert (row["holder_person_id"], row["holder_uscc"], row["holder_resolved"], row["holder_flag"]) == (
        None,
        None,
        False,
        probe,
    )


def test_licence_holder_unknown_until_a_later_batch_resolves_then(city):
    before = city.round2[city.probe["unknown_person"]]
    assert (before["holder_resolved"], before["holder_flag"]) == (False, "unknown_person")
    row = _licence_row(city, city.probe["unknown_person"])
    assert (row["holder_person_id"], row["holder_resolved"], row["holder_flag"]) == (UNKNOWN_PERSON, True, None)
    assert row["_batch"] == LICENCE_PROBE_BATCH  # resolved without being delivered again


def test_licence_delivered_again_takes_the_latest_delivery(city):
    row = _licence_row(city, city.probe["cancelled_later"])
    assert (row["status"], row["_batch"], row["first_seen_batch"]) == ("注销", LATE_PROBE_BATCH, LICENCE_PROBE_BATCH)


def test_licence_type_is_named_from_the_code_list(city):
    named = dict(
        city.q("select licence_type, min(licence_type_name) from base.base_e_licence__licence group by licence_type")
    )
    assert named[BUSINESS] == "营业执照" and named[MARRIAGE] == "结婚证"
    assert all(name is None for code, name in named.items() if not code.startswith("111000000000"))


# --- 空间地理 -----------------------------------------------------------------------------------
def test_parcel_polygon_area_matches_the_generators_formula(city):
    rows = city.q("select geometry, polygon_area_m2 from base.base_spatial__land_parcel where geometry_flag is null")
    assert rows
    for geometry, area in rows:
        ring = [tuple(p) for p in json.loads(geometry)["coordinates"][0]]
        assert float(area) == pytest.approx(geo.area_m2(ring), rel=1e-4, abs=0.01)


def test_parcel_owner_follows_the_latest_snapshot(city):
    owner_changes = [c for c in city.changes if c["source"] == "zrzy.land_parcel" and c["column"] == "owner_code"]
    assert owner_changes
    for c in owner_changes:
        rows = city.q(
            "select owner_code, coalesce(owner_person_id, owner_uscc), _batch "
            "from base.base_spatial__land_parcel where parcel_code = ?",
            [c["record_key"]],
        )
        assert rows == [(c["new"], c["new"], c["batch"])], c


def test_parcel_area_off_by_more_than_5_percent_is_flagged_not_rejected(city):
    rows = city.q("select parcel_code, area_deviation from base.base_spatial__land_parcel where not area_agrees")
    assert [(code, float(dev)) for code, dev in rows] == [
        (city.probe["oversized_parcel"], pytest.approx(0.5, abs=1e-4))
    ]


def test_parcels_missing_from_the_newest_snapshot_are_marked(city):
    newest = city.q("select max(_batch) from staging.stg_zrzy__land_parcel")[0][0]
    in_newest = {
        p for (p,) in city.q("select parcel_code from staging.stg_zrzy__land_parcel where _batch = ?", [newest])
    }
    marked = dict(city.q("select parcel_code, in_latest_snapshot from base.base_spatial__land_parcel"))
    assert marked and marked == {p: p in in_newest for p in marked}


# --- 公共信用 -----------------------------------------------------------------------------------
def test_decision_subject_summary_counts_each_decision_once(city):
    decisions = city.q(
        "select count(*), count(distinct subject_code) from base.base_public_credit__decision "
        "where subject_code is not null"
    )
    summary = city.q("select sum(decision_count), count(*) from base.base_public_credit__subject_summary")
    assert decisions == summary and decisions[0][0] > 0


def test_fines_are_summed_over_penalties_only(city):
    rows = city.q("""
        select s.subject_code, s.total_fine_amount, coalesce(sum(d.fine_amount) filter (where d.kind = '行政处罚'), 0)
        from base.base_public_credit__subject_summary as s
        join base.base_public_credit__decision as d using (subject_code)
        group by s.subject_code, s.total_fine_amount""")
    assert rows and all(total == expected for _, total, expected in rows)


# --- incremental ------------------------------------------------------------------------------
@pytest.mark.parametrize("model", MODELS)
def test_incremental_build_equals_a_full_rebuild(city, model):
    assert city.incremental[model] == city.full[model]
