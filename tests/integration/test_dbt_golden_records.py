"""Golden records, history and 一数一源 conflicts under real dbt, against the generator's truth.

One generated city (1,500 persons, seed 21, 5% defects so every cross-source kind occurs
many times) is built twice into two lakes:
  incremental  built in three rounds by the pipeline's build (transform.build_plan), as a
               daily schedule would: batches before 2026-10-01 (every model), then up to
               2026-10-02 (人社's new monthly snapshot among them), then the last day
               (daily sources only: the incremental models' partial path, and only the
               models downstream of those sources);
  full         the same raw layer built once with `dbt build --full-refresh`.
The expected values come from the generator's truth files and from the staging rows,
read in Python - not from the SQL under test.
"""

from __future__ import annotations

import csv
import json
import shutil
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest
import yaml

from govlake.registry import load_registry
from govlake.settings import Lake
from transform.build_plan import build as pipeline_build
from transform.dbt_runner import DBT_PROJECT, run_dbt

pytestmark = pytest.mark.slow

ROUNDS_FROM = ("2026-10-01", "2026-10-03")  # batches on or after each date arrive in a later round
CROSS_SOURCE_KINDS = {
    "name_mismatch",
    "birth_date_vs_id",
    "gender_vs_id",
    "dead_person_paid",
    "deregistered_with_valid_licence",
    "taxpayer_active_but_deregistered",
}
INCREMENTAL_BASE_MODELS = (
    "base_population__person",
    "base_population__person_history",
    "base_legal_entity__enterprise",
    "base_legal_entity__enterprise_history",
)
DERIVED_BASE_MODELS = ("base_population__household", "base_conflicts__observation", "base_conflicts__conflict")
# theme models kept incrementally (only the entities whose inputs changed are recomputed)
INCREMENTAL_THEME_MODELS = (
    "theme_social_security__coverage",
    "theme_social_security__anomaly",
    "theme_profile__person",
    "theme_profile__enterprise",
)
# audit column: when the dbt run that staged the row started; differs between two builds
RUN_AUDIT_COLUMNS = {"_staged_at"}


@dataclass
class Built:
    lake: Lake
    con: duckdb.DuckDBPyConnection
    scopes: list | None = None  # the dbt selection of each round (None: every model)

    def q(self, sql: str) -> list[tuple]:
        return self.con.execute(sql).fetchall()

    def dicts(self, sql: str) -> list[dict]:
        cur = self.con.execute(sql)
        names = [d[0] for d in cur.description]
        return [dict(zip(names, row)) for row in cur.fetchall()]


def _hold_back(landing: Path, held: Path, since: str) -> None:
    """Move every batch dated `since` or later out of the landing zone."""
    for batch in sorted(landing.glob("*.*/*")):
        if batch.is_dir() and batch.name >= since:
            target = held / batch.parent.name / batch.name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(batch, target)


def _bring_back(landing: Path, held: Path) -> None:
    for batch in sorted(held.glob("*/*")):
        shutil.move(batch, landing / batch.parent.name / batch.name)


@pytest.fixture(scope="module")
def city(tmp_path_factory) -> Path:
    from synth import generate_city

    landing = tmp_path_factory.mktemp("golden") / "landing"
    generate_city(landing, persons=1500, seed=21, defect_rate=0.05)
    return landing


def _built(lake: Lake, build) -> Built:
    assert build.success, build.as_dict()
    return Built(lake, duckdb.connect(str(lake.warehouse), read_only=True))


@pytest.fixture(scope="module")
def incremental(city, tmp_path_factory) -> Built:
    from ingest import ingest_landing

    root = tmp_path_factory.mktemp("incremental")
    lake, held = Lake(root / "lake"), root / "held"
    scopes = []
    for since in ROUNDS_FROM:
        _hold_back(city, held, since)
        try:
            ingest_landing(city, lake)
            build = pipeline_build(lake, quiet=True)
            assert build["success"], build
            scopes.append(build["plan"]["select"])
        finally:
            _bring_back(city, held)
    ingest_landing(city, lake)
    build = pipeline_build(lake, quiet=True)
    assert build["success"], build
    scopes.append(build["plan"]["select"])
    built = Built(lake, duckdb.connect(str(lake.warehouse), read_only=True), scopes)
    yield built
    built.con.close()


@pytest.fixture(scope="module")
def full(incremental, tmp_path_factory) -> Built:
    """The same raw layer (copied, so ingestion times agree) built once with --full-refresh."""
    lake = Lake(tmp_path_factory.mktemp("full") / "lake")
    shutil.copytree(incremental.lake.raw, lake.raw)
    built = _built(lake, run_dbt(lake, "build", full_refresh=True, quiet=True))
    yield built
    built.con.close()


@pytest.fixture(scope="module")
def truth(city) -> list[dict]:
    return list(csv.DictReader((city / "_truth" / "defects.csv").open(encoding="utf-8")))


@pytest.fixture(scope="module")
def changes(city) -> list[dict]:
    return list(csv.DictReader((city / "_truth" / "changes.csv").open(encoding="utf-8")))


# --- golden records ----------------------------------------------------------------------------
# How each authoritative source orders its records: the latest wins (registry rules).
SOURCE_ORDER = {
    "gaj.household_register": ("id_no", ["_batch", "_ingested_at", "updated_at", "_row_no"]),
    "wjw.death_record": ("id_no", ["_batch", "_ingested_at", "_row_no"]),
    "scjg.enterprise_register": ("uscc", ["changed_at", "_batch", "_ingested_at", "_row_no"]),
}
GOLDEN_MODEL = {
    "population": ("base_population__person", "person_id"),
    "legal_entity": ("base_legal_entity__enterprise", "enterprise_id"),
}


def _latest_non_blank(built: Built, source_id: str, column: str) -> dict:
    """key -> the source's latest non-blank value of the column, computed in Python."""
    key, order = SOURCE_ORDER[source_id]
    model = "stg_" + source_id.replace(".", "__")
    latest: dict = {}
    for row in built.dicts(f"select {key}, {column}, {', '.join(order)} from staging.{model}"):
        if row[key] is None or row[column] is None:
            continue
        rank = tuple((v is not None, v) for v in (row[o] for o in order))
        if row[key] not in latest or rank > latest[row[key]][0]:
            latest[row[key]] = (rank, row[column])
    return {k: v for k, (_, v) in latest.items()}


@pytest.mark.parametrize(
    "attribute", sorted(a for a, (sid, _) in load_registry().authorities().items() if sid in SOURCE_ORDER)
)
def test_golden_attribute_is_the_authoritative_sources_latest_value(incremental, attribute):
    library, _, name = attribute.partition(".")
    source_id, column = load_registry().authorities()[attribute]
    model, key = GOLDEN_MODEL[library]
    expected = _latest_non_blank(incremental, source_id, column)
    golden = dict(incremental.q(f"select {key}, {name} from base.{model} where {name} is not null"))
    assert golden == expected
    sources = incremental.q(f"select distinct {name}__source from base.{model} where {name} is not null")
    assert sources == [(source_id,)]


def test_marital_status_follows_the_latest_registration(incremental):
    latest: dict = {}
    for _reg_no, man, woman, kind, day, batch, row in incremental.q(
        "select reg_no, man_id_no, woman_id_no, reg_type, reg_date, _batch, _row_no "
        "from staging.stg_mzj__marriage_register where reg_date is not null"
    ):
        for person in (man, woman):
            if person not in latest or (day, batch, row) > latest[person][0]:
                latest[person] = ((day, batch, row), "离婚" if kind == "离婚" else "已婚")
    golden = dict(
        incremental.q(
            "select person_id, marital_status from base.base_population__person where marital_status is not null"
        )
    )
    assert golden == {p: status for p, (_, status) in latest.items()}


def _first_delivery_of_current_value(built: Built, source_id: str, column: str) -> dict:
    """key -> batch that first delivered the key's latest non-blank value since the value
    last differed, walking the source's records oldest to newest in Python."""
    key, order = SOURCE_ORDER[source_id]
    model = "stg_" + source_id.replace(".", "__")
    rows = [
        r
        for r in built.dicts(f"select {key}, {column}, _batch, {', '.join(order)} from staging.{model}")
        if r[key] is not None and r[column] is not None
    ]
    rows.sort(key=lambda r: (r[key], tuple((r[o] is not None, r[o]) for o in order)))
    first: dict = {}
    current: dict = {}
    for r in rows:
        if current.get(r[key]) != r[column]:
            current[r[key]], first[r[key]] = r[column], r["_batch"]
    return first


def test_each_golden_value_names_the_batch_that_first_delivered_it(incremental):
    expected = _first_delivery_of_current_value(incremental, "gaj.household_register", "name")
    golden = dict(
        incremental.q("select person_id, name__batch from base.base_population__person where name is not null")
    )
    assert golden == expected
    # the daily snapshots repeat most names: their lineage stays on the first delivery
    assert len(set(golden.values())) > 1


def test_a_snapshot_repeating_a_value_does_not_rewrite_the_golden_row(incremental):
    newest = incremental.q("select max(_batch) from staging.stg_gaj__household_register")[0][0]
    rewritten, total = incremental.q("""
        select count(*) filter (where p._staged_at = (select max(_staged_at) from base.base_population__person)),
               count(*)
        from base.base_population__person as p""")[0]
    assert 0 < rewritten < total / 2, (newest, rewritten, total)


# --- history ----------------------------------------------------------------------------------
def test_person_history_opens_a_version_where_the_household_record_changed(incremental, changes):
    updates = [c for c in changes if c["source"] == "gaj.household_register" and c["kind"] == "update"]
    assert updates
    for c in updates:
        rows = incremental.q(f"""
            select version_no, changed_columns, {c["column"]} from base.base_population__person_history
            where person_id = '{c["record_key"]}' and valid_from_batch = '{c["batch"]}'""")
        assert len(rows) == 1, c
        version, changed, value = rows[0]
        assert version > 1 and c["column"] in changed.split(",") and value == c["new"], (c, rows)
        before = incremental.q(f"""
            select {c["column"]} from base.base_population__person_history
            where person_id = '{c["record_key"]}' and valid_to_batch = '{c["batch"]}'""")
        assert before == [(c["old"],)], c


def test_person_history_has_one_current_version_per_person(incremental):
    assert incremental.q("""
        select count(*) from (select person_id from base.base_population__person_history
                              group by person_id having count(*) filter (where is_current) <> 1)""") == [(0,)]


def test_enterprise_history_records_each_registration_change(incremental, changes):
    updates = [c for c in changes if c["source"] == "scjg.enterprise_register" and c["kind"] == "update"]
    assert {c["column"] for c in updates} >= {"status", "name"}
    for c in updates:
        got = incremental.q(f"""
            select changed_columns, cast({c["column"]} as varchar) from base.base_legal_entity__enterprise_history
            where uscc = '{c["record_key"]}' and valid_from_batch = '{c["batch"]}'""")
        assert len(got) == 1 and c["column"] in got[0][0].split(","), (c, got)
        assert float(got[0][1]) == float(c["new"]) if c["column"] == "registered_capital" else got[0][1] == c["new"]


# --- conflicts ---------------------------------------------------------------------------------
def _injected(truth: list[dict]) -> set[tuple]:
    return {
        (t["source"], t["batch"], t["record_key"], t["column"], t["kind"])
        for t in truth
        if t["kind"] in CROSS_SOURCE_KINDS
    }


def _found(built: Built) -> set[tuple]:
    return set(
        built.q("select other_source, _batch, record_key, other_column, rule from base.base_conflicts__observation")
    )


def test_every_injected_cross_source_disagreement_is_a_conflict(incremental, truth):
    injected = _injected(truth)
    assert {k[-1] for k in injected} == CROSS_SOURCE_KINDS
    missed = injected - _found(incremental)
    assert not missed, f"recall {1 - len(missed) / len(injected):.3f}; missed e.g. {sorted(missed)[:5]}"


def test_no_conflict_is_reported_that_was_not_injected(incremental, truth):
    found = _found(incremental)
    extra = found - _injected(truth)
    assert not extra, f"precision {1 - len(extra) / len(found):.3f}; extra e.g. {sorted(extra)[:5]}"


def test_conflict_register_spans_the_batches_a_disagreement_was_seen_in(incremental, truth):
    seen = defaultdict(set)
    for t in truth:
        if t["kind"] in CROSS_SOURCE_KINDS:
            value = t["injected"]
            if t["kind"] == "birth_date_vs_id":  # delivered YYYYMMDD, compared as a date
                value = f"{value[:4]}-{value[4:6]}-{value[6:]}"
            seen[(t["source"], t["column"], t["kind"], value)].add(t["batch"])
    register = incremental.q("""
        select other_source, other_column, rule, other_value, first_seen_batch, last_seen_batch
        from base.base_conflicts__conflict""")
    spans = defaultdict(list)
    for src, col, rule, value, first, last in register:
        spans[(src, col, rule, value)].append((first, last))
    for key, batches in seen.items():
        assert key in spans, key
        assert min(f for f, _ in spans[key]) == min(batches) and max(last for _, last in spans[key]) == max(batches), (
            key
        )


def test_a_clean_city_has_no_conflicts(tmp_path):
    from ingest import ingest_landing
    from synth import generate_city

    landing, lake = tmp_path / "landing", Lake(tmp_path / "lake")
    generate_city(landing, persons=300, seed=4, defect_rate=0)
    ingest_landing(landing, lake)
    build = run_dbt(lake, "build", select=["+base_conflicts__conflict"], quiet=True)
    built = _built(lake, build)
    try:
        assert built.q("select count(*) from base.base_conflicts__observation") == [(0,)]
        assert built.q("select count(*) from base.base_population__person") != [(0,)]
    finally:
        built.con.close()


# --- incremental == full refresh ---------------------------------------------------------------
def _columns(built: Built, model: str) -> list[str]:
    return [
        c
        for (c,) in built.q(
            f"select column_name from information_schema.columns where table_name = '{model}' order by ordinal_position"
        )
        if c not in RUN_AUDIT_COLUMNS
    ]


def test_rounds_after_the_first_build_only_what_their_sources_reach(incremental):
    first, *later = incremental.scopes
    assert first is None  # no complete build recorded yet: every model
    daily_only = later[-1]
    assert daily_only and all(s.startswith("source:") for s in daily_only)
    assert "source:tjj.macro_indicator+" not in daily_only  # quarterly: nothing new on the last day


@pytest.mark.parametrize("model", INCREMENTAL_BASE_MODELS + DERIVED_BASE_MODELS + INCREMENTAL_THEME_MODELS)
def test_incremental_build_equals_full_refresh(incremental, full, model):
    _assert_same_rows(incremental, full, model)


# every other model: tables, intermediate and staging models left out of a round's scope must
# come out as a build of every model would make them
OTHER_MODELS = sorted(
    {p.stem for p in (DBT_PROJECT / "models").rglob("*.sql")}
    - set(INCREMENTAL_BASE_MODELS + DERIVED_BASE_MODELS + INCREMENTAL_THEME_MODELS)
)


@pytest.mark.parametrize("model", OTHER_MODELS)
def test_every_other_model_equals_full_refresh(incremental, full, model):
    _assert_same_rows(incremental, full, model)


def _assert_same_rows(incremental: Built, full: Built, model: str) -> None:
    columns = _columns(full, model)
    assert columns == _columns(incremental, model)
    schema = {"stg": "staging", "int": "intermediate"}.get(model.split("_", 1)[0], model.split("_", 1)[0])
    select = f"select {', '.join(columns)} from {schema}.{model}"
    # rows as text (struct lineage columns are not hashable in Python), as multisets
    rows_incremental = Counter(map(repr, incremental.q(select)))
    rows_full = Counter(map(repr, full.q(select)))
    assert rows_full
    assert rows_incremental - rows_full == Counter() and rows_full - rows_incremental == Counter()


# --- published and documented ------------------------------------------------------------------
def test_curated_parquet_holds_every_base_and_theme_table(incremental):
    from transform.curated import publish_curated

    published = publish_curated(incremental.lake)
    built = {
        t
        for (t,) in incremental.q(
            "select table_name from information_schema.tables where table_schema in ('base', 'theme')"
        )
    }
    assert {t.model for t in published} == built
    for t in published:
        path = Path(t.path)
        assert path.parent.parent == incremental.lake.curated and path.name == f"{t.model}.parquet"
        (rows,) = incremental.q(f"select count(*) from read_parquet('{path}')")[0]
        assert rows == t.rows == incremental.q(f"select count(*) from {t.relation}")[0][0]
        names = [
            n
            for (n,) in incremental.q(
                f"select name from parquet_schema('{path}') where num_children is null or num_children = 0"
            )
        ]
        assert not [n for n in names if n.endswith("__order")], t.model
    manifest = json.loads((incremental.lake.curated / "_manifest.json").read_text(encoding="utf-8"))
    assert set(manifest["tables"]) == built


def test_documented_columns_are_the_built_columns(incremental):
    import yaml

    from tests.conftest import REPO

    documented = {}
    for layer in ("base", "theme"):
        # a folder's _models.yml, or one <model>.yml per model where that grew long
        for yml in (REPO / "dbt_project" / "models" / layer).rglob("*.yml"):
            for m in yaml.safe_load(yml.read_text(encoding="utf-8")).get("models", []):
                documented[m["name"]] = [c["name"] for c in m["columns"]]
    for ((schema, table),) in [
        ((s, t),)
        for s, t in incremental.q(
            "select table_schema, table_name from information_schema.tables where table_schema in ('base', 'theme')"
        )
    ]:
        built = [
            c
            for (c,) in incremental.q(
                f"select column_name from information_schema.columns where table_schema = '{schema}' "
                f"and table_name = '{table}' order by ordinal_position"
            )
        ]
        assert sorted(documented.get(table, [])) == sorted(built), table


def test_dbt_docs_generate_documents_the_libraries_and_their_consumers(incremental):
    incremental.con.close()  # dbt opens the warehouse read-write
    try:
        docs = run_dbt(incremental.lake, ["docs", "generate"], quiet=True)
    finally:
        incremental.con = duckdb.connect(str(incremental.lake.warehouse), read_only=True)
    assert docs.success, docs.as_dict()
    catalog = json.loads(Path(docs.catalog).read_text(encoding="utf-8"))
    manifest = json.loads(Path(docs.manifest).read_text(encoding="utf-8"))
    documented = {
        n["metadata"]["name"] for n in catalog["nodes"].values() if n["metadata"]["schema"] in ("base", "theme")
    }
    assert {"base_population__person", "base_conflicts__conflict", "theme_profile__person"} <= documented
    exposures = {e["name"]: e for e in manifest["exposures"].values()}
    assert "model.govlake.base_population__person" in exposures["resource_directory"]["depends_on"]["nodes"]
    assert "model.govlake.base_conflicts__conflict" in exposures["steward_report"]["depends_on"]["nodes"]


def test_dbt_unit_tests_pass(incremental):
    """The `unit_tests:` in the models' YAML (golden record, SCD2 history, date layouts, declared
    layouts and ID normalisation in staging, a theme flag) pass, every one of them; the pipeline's
    build leaves them out (govlake.build_plan), so they run here."""
    defined = sum(
        len(yaml.safe_load(f.read_text(encoding="utf-8")).get("unit_tests") or [])
        for f in (DBT_PROJECT / "models").rglob("*.yml")
    )
    incremental.con.close()  # dbt opens the warehouse read-write
    try:
        result = run_dbt(incremental.lake, ["test", "--select", "test_type:unit"], quiet=True)
    finally:
        incremental.con = duckdb.connect(str(incremental.lake.warehouse), read_only=True)
    assert result.success, result.as_dict()
    assert defined >= 6 and result.counts == {"pass": defined}, result.counts
