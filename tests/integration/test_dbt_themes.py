"""Theme models (社会保障 精准扶贫 应急管理 知识产权) under real dbt on a generated city.

One dbt invocation in one module-scoped lake: a 1,500-person city (seed 5) and a probe
delivery dated 2026-11-01 - the latest 低保 roll and hazard-enterprise list delivered again
with rows added: a dead person 在保, a person unknown to the population library, the head
of a 突发严重困难户 household 在保, a struck-off enterprise listed. Only the theme models and
their parents are built. Expected values come from the generator's truth file, from the
probe rows, or are recomputed here in Python from the staging and base models.
"""

from __future__ import annotations

import csv
import json
import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from openpyxl import load_workbook

from govlake import identifiers as ids
from govlake.settings import Lake
from tests.unit.test_dbt_directory_meta import DIRECTORY_KEYS
from transform.dbt_runner import run_dbt

pytestmark = pytest.mark.slow

THEMES = {"social_security": "01", "poverty_alleviation": "02", "emergency": "03", "intellectual_property": "04"}
PROBE_BATCH = "2026-11-01"
PROBE_START = "2011-11-11"  # before any generated 低保 start: never an existing key
STRANGER = ids.make_id_card("371602", date(1901, 1, 1), 977)  # nobody generated is that old
EMPLOYEE_TYPES = {"110", "210", "310", "410"}
INSPECTION_MAX_DAYS = {"重大风险": 90, "较大风险": 180, "一般风险": 365, "低风险": 730}  # the model's defaults
INCOME_THRESHOLD = Decimal(6600)  # var poverty_income_threshold's default
HARDSHIP = "突发严重困难户"
# theme code column -> the registry column whose code list it carries
CODE_COLUMNS = {
    **{
        ("theme_social_security__coverage", f"status_{t}"): ("rsj.social_insurance", "status")
        for t in ("110", "120", "210", "310", "410")
    },
    ("theme_social_security__allowance", "status"): ("mzj.subsistence_allowance", "status"),
    ("theme_poverty_alleviation__monitored_household", "monitor_type"): ("xczx.monitored_household", "monitor_type"),
    ("theme_poverty_alleviation__monitored_household", "risk_cleared"): ("xczx.monitored_household", "risk_cleared"),
    ("theme_emergency__hazard_enterprise", "risk_level"): ("yjj.hazard_enterprise", "risk_level"),
    ("theme_intellectual_property__patent", "patent_type"): ("scjg.patent", "patent_type"),
    ("theme_intellectual_property__patent", "legal_status"): ("scjg.patent", "legal_status"),
}


@dataclass
class Probe:
    dead_id: str  # died before the probe batch, put 在保
    helped_head: str  # head of a 突发严重困难户 household of the latest monitoring list, put 在保
    struck_off_uscc: str  # 注销/吊销 in its latest registration record, put on the hazard list


@dataclass
class Built:
    lake: Lake
    build: object
    con: duckdb.DuckDBPyConnection
    truth: list[dict]
    probe: Probe

    def q(self, sql: str, params: list | None = None) -> list[tuple]:
        return self.con.execute(sql, params or []).fetchall()

    def latest_batch(self, model: str) -> str:
        return self.q(f"select max(_batch) from staging.{model}")[0][0]


# --- the probe delivery ----------------------------------------------------------------------
def _csv_rows(path: Path, encoding: str) -> list[list[str]]:
    text = path.read_bytes().decode(encoding, errors="replace")
    return [row for row in csv.reader(text.splitlines())][1:]


def _latest_dir(landing: Path, source_id: str) -> Path:
    return max((d for d in (landing / source_id).iterdir() if d.is_dir()), key=lambda d: d.name)


def _columns(registry, source_id: str) -> dict[str, int]:
    return {c.name: i for i, c in enumerate(registry.source(source_id).columns)}


def _iso(text: str) -> date | None:
    try:
        return date.fromisoformat(text)
    except (TypeError, ValueError):
        return None


def _pick_probe(landing: Path, registry) -> Probe:
    col = _columns(registry, "wjw.death_record")
    deaths, dead_before = set(), set()
    for f in sorted((landing / "wjw.death_record").glob("*/*.csv")):
        for row in _csv_rows(f, "utf-8"):
            deaths.add(row[col["id_no"]])
            died = _iso(row[col["death_date"]]) if len(row) > col["death_date"] else None
            if ids.is_valid_id_card(row[col["id_no"]]) and died and died < date(2026, 10, 1):
                dead_before.add(row[col["id_no"]])

    col = _columns(registry, "xczx.monitored_household")
    heads = sorted(
        row[col["head_id_no"]]
        for f in _latest_dir(landing, "xczx.monitored_household").glob("*.csv")
        for row in _csv_rows(f, "gb18030")
        if len(row) > col["monitor_type"]
        and row[col["monitor_type"]] == HARDSHIP
        and ids.is_valid_id_card(row[col["head_id_no"]])
        and row[col["head_id_no"]] not in deaths
    )

    col = _columns(registry, "scjg.enterprise_register")
    latest: dict[str, tuple[str, str]] = {}
    for f in sorted((landing / "scjg.enterprise_register").glob("*/*.csv")):
        for row in _csv_rows(f, "gb18030"):
            if len(row) == len(col) and ids.is_valid_uscc(row[col["uscc"]]):
                seen = latest.get(row[col["uscc"]])
                if seen is None or row[col["changed_at"]] >= seen[0]:
                    latest[row[col["uscc"]]] = (row[col["changed_at"]], row[col["status"]])
    struck_off = sorted(u for u, (_, status) in latest.items() if status in ("注销", "吊销"))
    assert dead_before and heads and struck_off, "the generated city lacks a probe candidate; change the seed"
    return Probe(dead_id=sorted(dead_before)[0], helped_head=heads[0], struck_off_uscc=struck_off[0])


def _deliver_again_with(landing: Path, source_id: str, file_name: str, rows: list[list]) -> None:
    """The source's latest xlsx delivered again as PROBE_BATCH, `rows` appended."""
    (original,) = _latest_dir(landing, source_id).glob("*.xlsx")
    wb = load_workbook(original)
    for row in rows:
        wb.active.append(row)
    out = landing / source_id / PROBE_BATCH
    out.mkdir()
    wb.save(out / file_name)
    (out / "_READY").touch()


def _write_probe(landing: Path, probe: Probe) -> None:
    _deliver_again_with(
        landing,
        "mzj.subsistence_allowance",
        "dbdx_202611.xlsx",
        [
            [probe.dead_id, "甲", 1, 500.0, PROBE_START, "在保", "371602"],
            [STRANGER, "乙", 1, 450.0, PROBE_START, "在保", "371602"],
            [probe.helped_head, "丙", 2, 600.0, PROBE_START, "在保", "371602"],
        ],
    )
    _deliver_again_with(
        landing,
        "yjj.hazard_enterprise",
        "zdjgqy_202611.xlsx",
        [
            [probe.struck_off_uscc, "丁有限公司", "重大风险", "2026-06-01", 3, "371602"],
        ],
    )


@pytest.fixture(scope="module")
def city(tmp_path_factory, registry):
    from ingest import ingest_landing
    from synth import generate_city

    root = tmp_path_factory.mktemp("themes")
    landing, lake = root / "landing", Lake(root / "lake")
    generate_city(landing, persons=1500, seed=5)
    truth = list(csv.DictReader((landing / "_truth" / "defects.csv").open(encoding="utf-8")))
    probe = _pick_probe(landing, registry)
    _write_probe(landing, probe)
    ingest_landing(landing, lake, sources=sorted(registry.sources))
    build = run_dbt(lake, "build", select=[f"+path:models/theme/{t}" for t in THEMES], quiet=True)
    assert lake.warehouse.exists(), build.as_dict()
    con = duckdb.connect(str(lake.warehouse), read_only=True)
    yield Built(lake, build, con, truth, probe)
    con.close()


@pytest.fixture(scope="module")
def manifest(city) -> dict:
    return json.loads(Path(city.build.manifest).read_text(encoding="utf-8"))


def _theme_models(manifest: dict) -> dict[str, dict]:
    """name -> manifest node of the models of THEMES' folders."""
    return {
        n["name"]: n
        for n in manifest["nodes"].values()
        if n["resource_type"] == "model" and n["original_file_path"].split("/")[1:3] in (["theme", t] for t in THEMES)
    }


# --- the build ---------------------------------------------------------------------------------
def test_themes_build_with_no_failing_or_warning_test_of_their_own(city, manifest):
    assert city.build.success, city.build.as_dict()
    assert [p for p in city.build.problems if "theme_" in p["unique_id"]] == []
    built = {t for (t,) in city.q("select table_name from information_schema.tables where table_schema = 'theme'")}
    assert set(_theme_models(manifest)) <= built and len(_theme_models(manifest)) >= 12


# --- 社会保障 -------------------------------------------------------------------------------------
def _staged(city: Built, model: str, batch: str, id_no: str) -> bool:
    return city.q(f"select count(*) from staging.{model} where _batch = ? and id_no = ?", [batch, id_no]) != [(0,)]


def test_dead_person_paid_defects_of_the_truth_are_the_anomalies_found(city):
    models = {
        "rsj.social_insurance": "stg_rsj__social_insurance",
        "mzj.subsistence_allowance": "stg_mzj__subsistence_allowance",
    }
    expected = {
        (t["source"], t["batch"], t["record_key"].split("|")[0])
        for t in city.truth
        if t["kind"] == "dead_person_paid"
        and _staged(city, models[t["source"]], t["batch"], t["record_key"].split("|")[0])
    }
    found = set(
        city.q(
            "select source_id, _batch, person_id from theme.theme_social_security__anomaly "
            "where rule = 'dead_person_paid' and _batch <> ?",
            [PROBE_BATCH],
        )
    )
    assert expected and found == expected


def test_allowance_to_a_dead_person_is_an_anomaly_and_marked_on_the_roll(city):
    died = city.q("select death_date from base.base_population__person where person_id = ?", [city.probe.dead_id])
    assert died and died[0][0] < date.fromisoformat(PROBE_BATCH)
    found = city.q(
        "select rule_id, dimension from theme.theme_social_security__anomaly "
        "where rule = 'dead_person_paid' and _batch = ? and person_id = ?",
        [PROBE_BATCH, city.probe.dead_id],
    )
    assert found == [("consistency.dead_person_paid.mzj.subsistence_allowance.status", "一致性")]
    roll = city.q(
        "select is_active, is_paid_after_death from theme.theme_social_security__allowance "
        "where person_id = ? and start_date = ?",
        [city.probe.dead_id, date.fromisoformat(PROBE_START)],
    )
    assert roll == [(True, True)]


def test_allowance_to_a_person_outside_the_population_library_is_an_anomaly(city):
    found = city.q(
        "select record_key, detail from theme.theme_social_security__anomaly "
        "where rule = 'allowance_person_not_in_population' and _batch = ? and person_id = ?",
        [PROBE_BATCH, STRANGER],
    )
    assert found == [(f"{STRANGER}|{PROBE_START}", "no_person_record")]
    roll = city.q(
        "select in_population, name, roll_name from theme.theme_social_security__allowance where person_id = ?",
        [STRANGER],
    )
    assert roll == [(False, None, "乙")]


def test_invalid_employer_findings_match_an_independent_check(city):
    registered = dict(
        city.q("select uscc, is_struck_off from base.base_legal_entity__enterprise where uscc is not null")
    )
    expected = set()
    for batch, id_no, itype, employer, flag, status in city.q(
        "select _batch, id_no, insurance_type, employer_uscc, employer_uscc_flag, status "
        "from staging.stg_rsj__social_insurance"
    ):
        if itype not in EMPLOYEE_TYPES:
            continue
        if (
            employer is None
            or flag in ("bad_check_digit", "bad_format")
            or employer not in registered
            or (registered[employer] and status == "1")
        ):
            expected.add((batch, f"{id_no}|{itype}"))
    found = city.q(
        "select _batch, record_key from theme.theme_social_security__anomaly where rule = 'invalid_employer'"
    )
    assert expected and len(found) == len(set(found)) and set(found) == expected


def test_coverage_has_one_row_per_person_of_the_latest_snapshot(city):
    latest = city.latest_batch("stg_rsj__social_insurance")
    staged = {
        i for (i,) in city.q("select distinct id_no from staging.stg_rsj__social_insurance where _batch = ?", [latest])
    }
    rows = city.q("select person_id, _batch from theme.theme_social_security__coverage")
    assert len(rows) == len(staged) and {p for p, _ in rows} == staged and {b for _, b in rows} == {latest}


def test_coverage_per_region_adds_up_to_the_persons_of_the_person_model(city):
    columns = ["persons_covered", "living_persons_covered", "living_persons_paying"] + [
        f"{kind}_{t}" for t in ("110", "120", "210", "310", "410") for kind in ("insured", "paying")
    ]
    by_region = city.q(
        f"select {', '.join(f'sum({c})' for c in columns)} from theme.theme_social_security__coverage_by_region"
    )[0]
    living = "region_code is not null and in_population and not is_deceased"
    per_person = city.q(
        "select count(*) filter (where region_code is not null), "
        f"count(*) filter (where {living}), count(*) filter (where {living} and is_paying), "
        + ", ".join(
            f"count(*) filter (where {living} and has_{t}), count(*) filter (where {living} and status_{t} = '1')"
            for t in ("110", "120", "210", "310", "410")
        )
        + " from theme.theme_social_security__coverage"
    )[0]
    assert dict(zip(columns, by_region)) == dict(zip(columns, per_person))
    assert by_region[0] > 1000


def test_living_population_per_region_counts_registered_living_persons(city):
    expected = Counter(
        r
        for (r,) in city.q(
            "select region_code from base.base_population__person "
            "where is_registered and not is_deceased and region_code is not null"
        )
    )
    rows = city.q("select region_code, living_population from theme.theme_social_security__coverage_by_region")
    assert {r: n for r, n in rows if n} == dict(expected)
    counties = city.q("select code from reference.gbt2260_regions where level = 'county' and valid_to is null")
    assert {c for (c,) in counties} <= {r for r, _ in rows}


def test_allowance_totals_per_region_and_month_match_the_rolls(city):
    region_of = dict(city.q("select person_id, region_code from base.base_population__person"))
    rows = city.q(
        "select _batch, id_no, start_date, status, monthly_amount, region_code, _file, _row_no "
        "from staging.stg_mzj__subsistence_allowance order by _file, _row_no"
    )
    last_of_month = {}
    for batch, *_ in rows:
        last_of_month[batch[:7]] = max(last_of_month.get(batch[:7], batch), batch)
    entries = {}  # the last row delivered of a key stands for it
    for batch, id_no, start, status, amount, region, _f, _n in rows:
        if last_of_month[batch[:7]] == batch:
            entries[(batch, id_no, start)] = (status, amount, region or region_of.get(id_no))
    expected = defaultdict(Decimal)
    for (batch, _id, _start), (status, amount, region) in entries.items():
        if status == "在保" and region is not None and amount is not None:
            expected[(region, batch[:7])] += amount
    found = city.q(
        "select region_code, month, amount_total from theme.theme_social_security__allowance_by_region_month"
    )
    assert {(r, m): a for r, m, a in found if a} == dict(expected)
    assert len({m for _, m in expected}) >= 3


# --- 精准扶贫 -------------------------------------------------------------------------------------
def _monitored(city: Built, columns: str) -> list[tuple]:
    return city.q(f"select {columns} from theme.theme_poverty_alleviation__monitored_household")


def test_hardship_households_without_a_member_on_allowance_are_flagged(city):
    latest = city.latest_batch("stg_mzj__subsistence_allowance")
    on_allowance = {
        i
        for (i,) in city.q(
            "select id_no from staging.stg_mzj__subsistence_allowance where _batch = ? and status = '在保'", [latest]
        )
    }
    household_of, living, dead = {}, defaultdict(set), set()
    for person, household, is_deceased in city.q(
        "select person_id, household_no, is_deceased from base.base_population__person"
    ):
        household_of[person] = household
        if is_deceased:
            dead.add(person)
        elif household is not None:
            living[household].add(person)
    rows = _monitored(city, "head_person_id, monitor_type, flag_hardship_without_allowance")
    for head, monitor_type, flag in rows:
        # the living members of the head's household, the living head among them
        members = (living[household_of[head]] if household_of.get(head) else set()) | ({head} - dead)
        assert flag == (monitor_type == HARDSHIP and not members & on_allowance), head
    helped = [flag for head, _, flag in rows if head == city.probe.helped_head]
    assert helped and not any(helped)
    assert any(flag for _, _, flag in rows)


def test_income_flag_follows_the_threshold_var(city):
    rows = _monitored(city, "income_per_capita, income_threshold, flag_income_below_threshold")
    assert {t for _, t, _ in rows} == {INCOME_THRESHOLD}
    assert all(flag == (income is not None and income < INCOME_THRESHOLD) for income, _, flag in rows)
    assert {flag for *_, flag in rows} == {True, False}


def test_monitored_households_are_the_latest_snapshot_one_row_per_head_and_year(city):
    latest = city.latest_batch("stg_xczx__monitored_household")
    staged = set(
        city.q("select head_id_no, year from staging.stg_xczx__monitored_household where _batch = ?", [latest])
    )
    rows = _monitored(city, "head_person_id, year")
    assert len(rows) == len(staged) and set(rows) == staged


def test_head_deceased_flag_follows_the_golden_death_date(city):
    dead = {p for (p,) in city.q("select person_id from base.base_population__person where is_deceased")}
    rows = _monitored(city, "head_person_id, flag_head_deceased")
    assert all(flag == (head in dead) for head, flag in rows)


# --- 应急管理 -------------------------------------------------------------------------------------
def test_struck_off_enterprise_still_listed_is_flagged(city):
    struck_off = {u for (u,) in city.q("select uscc from base.base_legal_entity__enterprise where is_struck_off")}
    assert city.probe.struck_off_uscc in struck_off
    rows = city.q("select uscc, flag_struck_off_listed from theme.theme_emergency__hazard_enterprise")
    assert all(flag == (u in struck_off) for u, flag in rows)
    assert (city.probe.struck_off_uscc, True) in rows


def test_inspection_overdue_follows_the_interval_of_the_risk_level(city):
    latest = city.latest_batch("stg_yjj__hazard_enterprise")
    assert latest == PROBE_BATCH
    snapshot = date.fromisoformat(latest)
    expected = {}
    for uscc, level, inspected in city.q(
        "select uscc, risk_level, last_inspected_on from staging.stg_yjj__hazard_enterprise where _batch = ?", [latest]
    ):
        limit = INSPECTION_MAX_DAYS.get(level)
        expected[uscc] = limit is not None and (inspected is None or (snapshot - inspected).days > limit)
    found = dict(city.q("select uscc, flag_inspection_overdue from theme.theme_emergency__hazard_enterprise"))
    assert found == expected and found[city.probe.struck_off_uscc] is True


def test_hazard_enterprises_per_region_add_up_to_the_list(city):
    totals = city.q(
        "select sum(enterprises), sum(risk_major + risk_large + risk_general + risk_low + risk_unknown), "
        "sum(inspection_overdue), sum(struck_off_listed) from theme.theme_emergency__hazard_by_region"
    )[0]
    listed = city.q(
        "select count(*), count(*), count(*) filter (where flag_inspection_overdue), "
        "count(*) filter (where flag_struck_off_listed) from theme.theme_emergency__hazard_enterprise "
        "where region_code is not null"
    )[0]
    assert totals == listed and totals[0] > 0


# --- 知识产权 -------------------------------------------------------------------------------------
def _latest_patents(city: Built) -> dict[str, tuple]:
    """application_no -> (legal_status, applied_on, granted_on) of its latest record, from staging."""
    latest = {}
    for no, status, applied, granted, *order in city.q(
        "select application_no, legal_status, applied_on, granted_on, _batch, _ingested_at, _file, _row_no "
        "from staging.stg_scjg__patent"
    ):
        if no not in latest or tuple(order) > latest[no][0]:
            latest[no] = (tuple(order), (status, applied, granted))
    return {no: record for no, (_, record) in latest.items()}


def test_grant_rate_equals_granted_over_decided_computed_from_staging(city):
    per_year = defaultdict(lambda: [0, 0])  # application year -> [granted, decided]
    for status, applied, granted in _latest_patents(city).values():
        if applied is None:
            continue
        is_granted = granted is not None or status == "有效"
        per_year[applied.year][0] += is_granted
        per_year[applied.year][1] += is_granted or status in ("失效", "驳回")
    rows = city.q(
        "select year, granted, decided, grant_rate from theme.theme_intellectual_property__patent_by_year "
        "where applications > 0"
    )
    assert {y: [g, d] for y, g, d, _ in rows} == dict(per_year)
    for _, g, d, rate in rows:
        assert rate == (pytest.approx(g / d) if d else None)
    assert sum(d for _, _, d, _ in rows) > 10


def test_patents_per_enterprise_and_region_add_up_to_the_patent_model(city):
    per_enterprise = dict(city.q("select uscc, patents from theme.theme_intellectual_property__patent_by_enterprise"))
    resolved = dict(
        city.q(
            "select applicant_uscc, count(*) from theme.theme_intellectual_property__patent "
            "where applicant_uscc is not null group by 1"
        )
    )
    assert per_enterprise == resolved and resolved
    per_region = city.q(
        "select sum(patents), sum(enterprise_patents + person_patents), sum(granted) "
        "from theme.theme_intellectual_property__patent_by_region"
    )[0]
    located = city.q(
        "select count(*), count(*) filter (where applicant_type in ('enterprise', 'person')), "
        "count(*) filter (where is_granted) from theme.theme_intellectual_property__patent "
        "where region_code is not null"
    )[0]
    assert per_region == located
    assert city.q("select count(*) from theme.theme_intellectual_property__patent") == [(len(_latest_patents(city)),)]


# --- directory metadata and docs -------------------------------------------------------------------
TYPE_CODES = set("CNYDTLMGBIF")
SENSITIVITIES = {"敏感个人信息", "个人信息", "非个人信息"}
BILINGUAL = re.compile(r"[\u4e00-\u9fff].* — .*[A-Za-z]")


def test_theme_models_carry_complete_directory_metadata(manifest, registry):
    models = _theme_models(manifest)
    codes = Counter()
    for name, node in models.items():
        d = node["config"]["meta"]["directory"]
        folder = node["original_file_path"].split("/")[2]
        assert set(d) >= DIRECTORY_KEYS, (name, DIRECTORY_KEYS - set(d))
        assert (d["class"], d["item"]) == (2, THEMES[folder]), name
        assert re.fullmatch(r"\d{3}", d["catalog"]) and isinstance(d["sequence"], int), name
        assert d["sharing"] == "无条件共享" or d.get("sharing_condition"), name
        assert d["format"] in ("库表", "文件", "接口") and d["opening"] in ("无条件开放", "有条件开放", "不予开放"), (
            name
        )
        assert d["update_cycle"] in ("实时", "每日", "每周", "每月", "每季度", "每半年", "每年"), name
        assert d["grade"] in ("核心数据", "重要数据", "一般数据"), name
        assert set(d["providers"]) <= set(registry.departments), name
        assert {r for r in d["related"]} <= {n["name"] for n in manifest["nodes"].values()}, name
        assert BILINGUAL.search(node["description"]), name
        codes[f"2{d['item']}{d['catalog']}/{d['sequence']:06d}"] += 1
    assert len(models) >= 12 and max(codes.values()) == 1, codes


def test_every_theme_column_is_documented_as_built(city, manifest):
    for name, node in _theme_models(manifest).items():
        built = dict(
            city.q(
                "select column_name, data_type from information_schema.columns "
                "where table_schema = 'theme' and table_name = ?",
                [name],
            )
        )
        documented = {c: col.get("data_type") for c, col in node["columns"].items()}
        assert documented == built, name
        for c, col in node["columns"].items():
            assert BILINGUAL.search(col["description"]), (name, c)
            assert col["meta"]["type_code"] in TYPE_CODES and col["meta"]["sensitivity"] in SENSITIVITIES, (name, c)


def test_theme_code_columns_accept_the_registry_code_lists(manifest, registry):
    accepted = {}
    for n in manifest["nodes"].values():
        if n["resource_type"] == "test" and (n.get("test_metadata") or {}).get("name") == "accepted_values":
            model = n["attached_node"].split(".")[-1]
            accepted[(model, n["column_name"])] = n["test_metadata"]["kwargs"]["values"]
    for (model, column), (source_id, source_column) in CODE_COLUMNS.items():
        (col,) = [c for c in registry.source(source_id).columns if c.name == source_column]
        assert accepted.get((model, column)) == registry.codes(col), (model, column)
