"""Staging under real dbt and DuckDB: the clean fixture, and a generated city with defects.

Three dbt invocations in all (~5 s each), in two module-scoped lakes; every test reads
the warehouses:
  clean  tests/fixtures/clean-city ingested and built once;
  city   a 1,500-person city (seed 3) without yjj.hazard_enterprise (a department that has
         not delivered yet), built; then new deliveries arrive (two probe batches of edge
         cases, and one batch re-delivered one row shorter), are ingested, and the city is
         built again - the incremental path.
Expected values come from the generator's truth file and from tests/integration/
staging_oracle.py, the staging rules restated in Python on top of govlake.identifiers.
"""

from __future__ import annotations

import csv
import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from pathlib import Path

import duckdb
import pytest

from govlake import identifiers as ids
from govlake import staging_contract
from govlake.settings import Lake
from tests.conftest import FIXTURES
from tests.integration import staging_oracle as oracle
from transform.dbt_runner import run_dbt

pytestmark = pytest.mark.slow

MISSING = "yjj.hazard_enterprise"  # not delivered in the generated city
DEATH_PROBE_BATCH, MARRIAGE_PROBE_BATCH = "2026-12-31", "2026-12-01"
PROBES = {("wjw.death_record", DEATH_PROBE_BATCH), ("mzj.marriage_register", MARRIAGE_PROBE_BATCH)}


@dataclass
class Built:
    lake: Lake
    builds: list
    con: duckdb.DuckDBPyConnection
    truth: list[dict] = field(default_factory=list)
    before: dict = field(default_factory=dict)  # (model, _batch) -> rows after the first build
    redelivered: tuple | None = None  # (source, batch, rows delivered the second time)

    def q(self, sql: str, params: list | None = None) -> list[tuple]:
        return self.con.execute(sql, params or []).fetchall()

    @cached_property
    def rejected(self) -> list[tuple]:
        """stg_rejected, read once: it is a view over all of raw."""
        return self.q("select source_id, _batch, _file, _row_no, record_key, reason from staging.stg_rejected")

    def has_raw(self, source_id: str) -> bool:
        return any((self.lake.raw / source_id).glob("batch=*/*.parquet"))

    def raw(self, source_id: str) -> str:
        return f"read_parquet('{self.lake.raw}/{source_id}/batch=*/*.parquet', union_by_name = true)"


def _connect(lake: Lake, build) -> duckdb.DuckDBPyConnection:
    assert lake.warehouse.exists(), build.as_dict()
    return duckdb.connect(str(lake.warehouse), read_only=True)


def _batch_counts(con, registry) -> dict:
    out = {}
    for s in registry.sources.values():
        m = staging_contract.model_name(s)
        for batch, n in con.execute(f"select _batch, count(*) from staging.{m} group by 1").fetchall():
            out[(m, batch)] = n
    return out


@pytest.fixture(scope="module")
def clean(tmp_path_factory):
    from ingest import ingest_landing

    lake = Lake(tmp_path_factory.mktemp("clean") / "lake")
    ingest_landing(FIXTURES / "clean-city", lake)
    build = run_dbt(lake, "build", quiet=True)
    con = _connect(lake, build)
    yield Built(lake, [build], con)
    con.close()


@pytest.fixture(scope="module")
def city(tmp_path_factory, registry):
    from ingest import ingest_landing
    from synth import generate_city

    root = tmp_path_factory.mktemp("city")
    landing, lake = root / "landing", Lake(root / "lake")
    generate_city(landing, persons=1500, seed=3)
    truth = list(csv.DictReader((landing / "_truth" / "defects.csv").open(encoding="utf-8")))
    delivered = sorted(s for s in registry.sources if s != MISSING)
    ingest_landing(landing, lake, sources=delivered)
    first = run_dbt(lake, "build", quiet=True)
    with _connect(lake, first) as con:
        before = _batch_counts(con, registry)

    _write_death_probe(landing, registry)
    _write_marriage_probe(landing, registry)
    redelivered = _redeliver_one_row_shorter(landing, truth)
    ingest_landing(landing, lake, sources=delivered)
    second = run_dbt(lake, "build", quiet=True)
    con = _connect(lake, second)
    yield Built(lake, [first, second], con, truth, before, redelivered)
    con.close()


@pytest.fixture(params=["clean", "city"])
def built(request) -> Built:
    return request.getfixturevalue(request.param)


# --- deliveries of the second round -------------------------------------------------------
def _id(born: date, seq: int, last: str | None = None) -> str:
    """A valid ID number; with `last`, the first sequence from `seq` whose check character is it."""
    while True:
        n = ids.make_id_card("371602", born, seq)
        if last is None or n.endswith(last):
            return n
        seq += 1


VALID_X = _id(date(1950, 1, 1), 1, last="X")
ID_18 = _id(date(1960, 5, 6), 11)
ID_15 = ID_18[:6] + ID_18[8:17]
BAD_CHECK = ID_18[:17] + ("0" if ID_18[17] != "0" else "1")
OTHER = [_id(date(1970, 1, 1), 100 + i) for i in range(5)]

# wjw.death_record probe: (id_no, name, death_date, region_code) -> what staging must say.
# "rejected" rows must be in stg_rejected with that reason instead.
DEATH_PROBE = [
    ((VALID_X[:-1] + "x", "甲", "2026-01-02", "371602"), {"id_no": VALID_X, "id_no_flag": "lowercase_x"}),
    ((ID_15, "乙", "2026-01-02", "371602"), {"id_no": ids.id15_to_18(ID_15), "id_no_flag": "legacy_15_digit_id"}),
    (
        (" " + OTHER[0] + "\u3000", "NULL", "2026-01-02", "371602"),
        {"id_no": OTHER[0], "id_no_flag": None, "name": None},
    ),
    (("NULL", "丙", "2026-01-02", "371602"), {"rejected": "id_no:blank_key"}),
    (("无", "丁", "2026-01-02", "371602"), {"rejected": "id_no:blank_key"}),
    (("-", "戊", "2026-01-02", "371602"), {"rejected": "id_no:blank_key"}),
    (("", "己", "2026-01-02", "371602"), {"rejected": "id_no:blank_key"}),
    (("   ", "庚", "2026-01-02", "371602"), {"rejected": "id_no:blank_key"}),
    ((BAD_CHECK, "辛", "2026-01-02", "371602"), {"rejected": "id_no:bad_check_digit"}),
    ((ID_18[:17], "壬", "2026-01-02", "371602"), {"rejected": "id_no:bad_format"}),
    ((OTHER[1], "癸", "2026-02-30", "371602"), {"death_date": None, "death_date_flag": "impossible_date"}),
    (
        (OTHER[2], "子", "2026/3/1", "null"),
        {"death_date": date(2026, 3, 1), "death_date_flag": "off_layout", "region_code": None},
    ),
    (
        (OTHER[3], "丑", "20260301", "371626"),
        {
            "death_date": date(2026, 3, 1),
            "death_date_flag": "off_layout",
            "region_code": "371681",
            "region_code_delivered": "371626",
            "region_code_flag": "retired_region_code",
        },
    ),
    (
        (OTHER[4], "寅", "abc", "371699"),
        {
            "death_date": None,
            "death_date_flag": "bad_format",
            "region_code": "371699",
            "region_code_flag": "unknown_region_code",
        },
    ),
]


def _write_death_probe(landing: Path, registry) -> None:
    src = registry.source("wjw.death_record")
    d = landing / src.id / DEATH_PROBE_BATCH
    d.mkdir(parents=True)
    with (d / "swzm_20261231.csv").open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow([c.header for c in src.columns])
        for (id_no, name, died, region), _ in DEATH_PROBE:
            w.writerow([id_no, name, died, "I21.9", region])
    (d / "_READY").touch()


# mzj.marriage_register probe (XLSX): a date cell and the same day typed as text.
MARRIAGE_PROBE = [
    ("P0001", date(2026, 1, 1), {"reg_date": date(2026, 1, 1)}),
    ("P0002", "2026/1/1", {"reg_date": date(2026, 1, 1)}),
    ("P0003", "2026/2/30", {"reg_date": None, "reg_date_flag": "impossible_date"}),
    (None, "2026/1/5", {"rejected": "reg_no:blank_key"}),
]


def _write_marriage_probe(landing: Path, registry) -> None:
    from openpyxl import Workbook

    src = registry.source("mzj.marriage_register")
    d = landing / src.id / MARRIAGE_PROBE_BATCH
    d.mkdir(parents=True)
    wb = Workbook()
    ws = wb.active
    ws.title = src.sheet
    ws.append([c.header for c in src.columns])
    for i, (reg_no, reg_date, _) in enumerate(MARRIAGE_PROBE):
        ws.append([reg_no, OTHER[i], "男", VALID_X, "女", "结婚", reg_date, "滨城区民政局婚姻登记处"])
    wb.save(d / "hydj_202612.xlsx")
    (d / "_READY").touch()


def _redeliver_one_row_shorter(landing: Path, truth: list[dict]) -> tuple:
    """The largest death-record batch delivered again without its last line (no truth defect on it)."""
    sid = "wjw.death_record"
    files = [f for f in (landing / sid).glob("*/*.csv") if f.parent.name != DEATH_PROBE_BATCH]
    path = max(files, key=lambda f: (len(f.read_bytes().splitlines()), f.name))
    batch_dir = path.parent
    lines = path.read_bytes().splitlines(keepends=True)
    marked = {int(t["line"]) for t in truth if t["source"] == sid and t["file"] == path.name}
    assert len(lines) > 2 and len(lines) not in marked
    path.write_bytes(b"".join(lines[:-1]))
    return sid, batch_dir.name, len(lines) - 2


# --- the clean fixture --------------------------------------------------------------------
def test_clean_build_passes_every_test(clean):
    (build,) = clean.builds
    assert build.success and build.problems == [], build.as_dict()
    assert set(build.counts) - {"no-op"} == {"success", "pass"}  # no-op: the exposures


def test_clean_rejects_nothing_and_stages_every_raw_row(clean, registry):
    assert clean.rejected == []
    for sid, s in registry.sources.items():
        lineage = "select _batch, _file, _row_no from {}"
        raw = set(clean.q(lineage.format(clean.raw(sid))))
        staged = clean.q(lineage.format(f"staging.{staging_contract.model_name(s)}"))
        assert raw and len(staged) == len(raw) and set(staged) == raw, sid


def test_clean_delivery_raises_no_flag(clean, registry):
    for s in registry.sources.values():
        flags = [c.name for c in staging_contract.staging_columns(s) if c.role == "flag"]
        if flags:
            counts = clean.q(
                f"select {', '.join(f'count({f})' for f in flags)} from staging.{staging_contract.model_name(s)}"
            )
            assert dict(zip(flags, counts[0])) == dict.fromkeys(flags, 0), s.id


def test_staging_columns_and_types_follow_the_registry(clean, registry):
    for s in registry.sources.values():
        actual = dict(
            clean.q(
                "select column_name, data_type from information_schema.columns "
                "where table_schema = 'staging' and table_name = ?",
                [staging_contract.model_name(s)],
            )
        )
        assert actual == {c.name: c.data_type for c in staging_contract.staging_columns(s)}, s.id


def test_artifacts_of_the_invocation_are_kept_under_the_lake(clean):
    (build,) = clean.builds
    home = clean.lake.dbt
    assert build.manifest == str(home / "manifest.json") and build.run_results == str(home / "run_results.json")
    for path in (build.manifest, build.run_results):
        assert json.loads(Path(path).read_text())["metadata"]["invocation_id"] == build.invocation_id
    manifest = json.loads(Path(build.manifest).read_text())
    location = manifest["sources"]["source.govlake.gaj.household_register"]["meta"]["external_location"]
    assert f"{clean.lake.raw}/gaj.household_register/batch=*/*.parquet" in location
    assert (home / "target" / "run_results.json").exists() and (home / "logs").is_dir()


def test_parcel_centroids_match_the_shoelace_formula(clean):
    rows = clean.q("select geometry, centroid_lon, centroid_lat from staging.stg_zrzy__land_parcel")
    assert rows
    for geometry, lon, lat in rows:
        want = oracle.polygon_centroid(json.loads(geometry)["coordinates"][0])
        assert lon == pytest.approx(want[0], abs=1e-9) and lat == pytest.approx(want[1], abs=1e-9)
        assert 117.2 < lon < 118.7 and 36.7 < lat < 38.3


def test_periods_are_parsed_into_year_quarter_month(clean):
    rows = clean.q(
        "select period, period_type, period_year, period_quarter, period_month from staging.stg_tjj__macro_indicator"
    )
    kinds = Counter()
    for period, kind, year, quarter, month in rows:
        kinds[kind] += 1
        assert year == int(period[:4])
        if len(period) == 4:
            assert (kind, quarter, month) == ("year", None, None)
        elif "Q" in period:
            assert (kind, quarter, month) == ("quarter", int(period[5]), None)
        else:
            assert (kind, quarter, month) == ("month", None, int(period[5:7]))
    assert set(kinds) == {"year", "quarter", "month"}


# --- both lakes: every staged value against the oracle -------------------------------------
def test_every_staged_value_agrees_with_the_python_oracle(built, registry):
    mismatches, checked = [], Counter()
    for sid, s in registry.sources.items():
        if not built.has_raw(sid):
            continue
        staged = {c.name for c in staging_contract.staging_columns(s)}
        select = ["s._batch"]
        for c in s.columns:
            select += [
                f'r."{c.name}"',
                f's."{c.name}"',
                f's."{c.name}_flag"' if f"{c.name}_flag" in staged else "null",
                f's."{c.name}_delivered"' if f"{c.name}_delivered" in staged else "r." + c.name,
            ]
        rows = built.q(
            f"select {', '.join(select)} from {built.raw(sid)} as r "
            f"join staging.{staging_contract.model_name(s)} as s using (_batch, _file, _row_no)"
        )
        for row in rows:
            batch = row[0]
            for i, c in enumerate(s.columns):
                raw_text, value, flag, delivered = row[1 + 4 * i : 5 + 4 * i]
                want = oracle.expected(
                    staging_contract.column_kind(c),
                    raw_text,
                    excel_serial=s.format == "xlsx",
                    batch=batch,
                    city=registry.city,
                    layout=c.layout,
                )
                checked[sid] += 1
                if (value, flag) != want or delivered != raw_text:
                    mismatches.append((sid, c.name, raw_text, value, flag, delivered, want))
    assert not mismatches, mismatches[:10]
    assert len(checked) >= 15


# --- the generated city ---------------------------------------------------------------------
def _raw_files(city: Built, source_id: str) -> set[tuple[str, str]]:
    return (
        set(city.q(f"select distinct _batch, _file from {city.raw(source_id)}")) if city.has_raw(source_id) else set()
    )


def _duplicate_key_warnings(build, registry) -> Counter:
    warned = Counter()
    for p in build.problems:
        assert p["status"] == "warn", p
        if "_stg_" not in p["unique_id"]:
            continue  # base and theme tests warn on the defects the city carries (codes outside lists)
        (s,) = [
            s
            for s in registry.sources.values()
            if f"unique_combination_{staging_contract.model_name(s)}__batch__{'__'.join(s.key)}." in p["unique_id"]
        ]
        warned[s.id] += p["failures"]
    return warned


def test_city_builds_and_warns_only_for_the_duplicate_keys_it_was_given(city, registry):
    files = {sid: _raw_files(city, sid) for sid in registry.sources}
    expected = Counter(
        t["source"]
        for t in city.truth
        if t["kind"] == "duplicate_key" and (t["batch"], t["file"]) in files[t["source"]]
    )
    for build in city.builds:
        assert build.success, build.as_dict()
    first, second = city.builds
    assert _duplicate_key_warnings(first, registry) == expected and expected
    # a build tests the rows it staged: the second stages only the probes and one re-delivery
    restaged = {city.redelivered[0], "wjw.death_record", "mzj.marriage_register"}
    warned_again = _duplicate_key_warnings(second, registry)
    assert set(warned_again) <= restaged and all(warned_again[s] <= expected[s] for s in warned_again)


def test_city_rejects_exactly_the_key_defects_of_the_truth(city, registry):
    files = {sid: _raw_files(city, sid) for sid in registry.sources}
    reason = {"bad_check_digit": "bad_check_digit", "blank_required": "blank_key"}
    expected = {
        (t["source"], t["batch"], t["file"], t["record_key"]): f"{t['column']}:{reason[t['kind']]}"
        for t in city.truth
        if t["kind"] in reason
        and t["column"] in registry.source(t["source"]).key
        and (t["batch"], t["file"]) in files[t["source"]]
    }
    actual = {(sid, b, f, k): r for sid, b, f, _n, k, r in city.rejected if (sid, b) not in PROBES}
    assert len(expected) >= 10
    assert actual == expected


def test_city_raw_rows_are_either_staged_or_rejected(city, registry):
    for sid, s in registry.sources.items():
        if not city.has_raw(sid):
            continue
        lineage = "select _batch, _file, _row_no from {}"
        raw = city.q(lineage.format(city.raw(sid)))
        staged = set(city.q(lineage.format(f"staging.{staging_contract.model_name(s)}")))
        rejected = {(b, f, n) for s_id, b, f, n, _k, _r in city.rejected if s_id == sid}
        assert not staged & rejected and staged | rejected == set(raw) and len(raw) == len(set(raw)), sid


def test_city_truth_normalisations_are_applied(city, registry):
    want_value = {
        "lowercase_x": "original",
        "legacy_15_digit_id": "original",
        "retired_region_code": "original",
        "unknown_region_code": "injected",
    }
    checked = Counter()
    for t in city.truth:
        if t["kind"] not in want_value:
            continue
        s = registry.source(t["source"])
        rows = city.q(
            f"select {t['column']}, {t['column']}_flag from staging.{staging_contract.model_name(s)} "
            f"where _batch = ? and _file = ? and {t['column']}_delivered = ?",
            [t["batch"], t["file"], t["injected"]],
        )
        delivered = (
            city.q(
                f"select count(*) from {city.raw(s.id)} where _batch = ? and _file = ? and {t['column']} = ?",
                [t["batch"], t["file"], t["injected"]],
            )
            if city.has_raw(s.id)
            else [(0,)]
        )
        if delivered == [(0,)]:
            continue  # in a file or row that ingestion quarantined
        assert rows and all(r == (t[want_value[t["kind"]]], t["kind"]) for r in rows), (t, rows)
        checked[t["kind"]] += 1
    assert set(checked) == set(want_value), checked


def test_city_truth_impossible_dates_become_null_and_flagged(city, registry):
    checked = 0
    for t in city.truth:
        if t["kind"] != "impossible_date":
            continue
        s, col = registry.source(t["source"]), t["column"]
        if not city.has_raw(s.id):
            continue
        at = city.q(
            f"select _row_no from {city.raw(s.id)} where _batch = ? and _file = ? and {col} = ?",
            [t["batch"], t["file"], t["injected"]],
        )
        for (row_no,) in at:
            staged = city.q(
                f"select {col}, {col}_flag from staging.{staging_contract.model_name(s)} "
                f"where _batch = ? and _file = ? and _row_no = ?",
                [t["batch"], t["file"], row_no],
            )
            rejected = [
                (r,)
                for s_id, b, f, n, _k, r in city.rejected
                if (s_id, b, f, n) == (s.id, t["batch"], t["file"], row_no)
            ]
            assert staged == [(None, "impossible_date")] or rejected == [(f"{col}:impossible_date",)], (t, staged)
            checked += 1
    assert checked >= 5


def _probe_rows(city: Built, model: str, source_id: str, batch: str) -> dict[int, dict]:
    """Row number -> the staged row, or {"rejected": reason}."""
    cur = city.con.execute(f"select * from staging.{model} where _batch = ?", [batch])
    names = [d[0] for d in cur.description]
    rows = {row[names.index("_row_no")]: dict(zip(names, row)) for row in cur.fetchall()}
    for s_id, b, _f, row_no, _k, reason in city.rejected:
        if (s_id, b) == (source_id, batch):
            rows[row_no] = {"rejected": reason}
    return rows


@pytest.mark.parametrize(
    "source_id, batch, probe",
    [
        ("wjw.death_record", DEATH_PROBE_BATCH, DEATH_PROBE),
        ("mzj.marriage_register", MARRIAGE_PROBE_BATCH, MARRIAGE_PROBE),
    ],
)
def test_city_probe_rows_are_typed_normalised_or_rejected_as_specified(city, registry, source_id, batch, probe):
    rows = _probe_rows(city, staging_contract.model_name(registry.source(source_id)), source_id, batch)
    assert sorted(rows) == list(range(1, len(probe) + 1))
    for row_no, case in enumerate(probe, start=1):
        want = case[-1]
        assert {k: rows[row_no].get(k) for k in want} == want, (row_no, case, rows[row_no])


def test_city_excel_serial_and_text_dates_are_the_same_day(city):
    raw = dict(
        city.q(
            f"select reg_no, reg_date from {city.raw('mzj.marriage_register')} where _batch = ? "
            "and reg_no in ('P0001', 'P0002')",
            [MARRIAGE_PROBE_BATCH],
        )
    )
    assert raw == {"P0001": "46023", "P0002": "2026/1/1"}  # a date cell arrives as its serial number
    staged = city.q(
        "select distinct reg_date from staging.stg_mzj__marriage_register where reg_no in ('P0001', 'P0002')"
    )
    assert staged == [(date(2026, 1, 1),)]
    layouts = city.q(
        f"select count(*) filter (where reg_date similar to '[0-9]{{5}}'), "
        f"count(*) filter (where reg_date like '%/%') from {city.raw('mzj.marriage_register')} "
        "where _batch <> ?",
        [MARRIAGE_PROBE_BATCH],
    )
    assert all(n > 0 for n in layouts[0]), "the generated deliveries mix serial and YYYY/M/D dates"


def test_city_source_without_deliveries_builds_an_empty_model(city, registry):
    assert not city.has_raw(MISSING)
    model = staging_contract.model_name(registry.source(MISSING))
    assert city.q(f"select count(*) from staging.{model}") == [(0,)]
    columns = city.q("select column_name from information_schema.columns where table_name = ?", [model])
    assert {c for (c,) in columns} == {c.name for c in staging_contract.staging_columns(registry.source(MISSING))}


def test_city_incremental_build_adds_new_batches_and_replaces_redelivered_ones(city, registry):
    after = _batch_counts(city.con, registry)
    source_id, batch, rows = city.redelivered
    model = staging_contract.model_name(registry.source(source_id))
    assert after.pop((model, batch)) == rows == city.before.pop((model, batch)) - 1
    new = {k: v for k, v in after.items() if k not in city.before}
    assert set(new) == {(staging_contract.model_name(registry.source(s)), b) for s, b in PROBES}
    assert {k: after[k] for k in city.before} == city.before  # nothing else touched
