"""The directory of a generated city (`govlake run`, real dbt and DuckDB) published to OpenMetadata:
the dry run's payloads validate against the SDK's models, and a sync through the SDK's REST client
against the in-memory OpenMetadata of tests/openmetadata_stub.py creates what the directory holds,
then sends only what changes."""

from __future__ import annotations

import shutil

import duckdb
import pytest
from typer.testing import CliRunner

from catalog.om_entities import PlaceholderRefs, directory_entities, load_config
from catalog.om_sync import sync
from conductor.cli import app
from govlake.settings import Lake
from tests.lake_fixtures import run_generated_city
from tests.lake_fixtures import warehouse_rows as _rows
from tests.openmetadata_stub import OpenMetadataStub

pytestmark = pytest.mark.slow

PERSONS, SEED = 400, 5
TOKEN = "eyJ.city-bot-token.sig"


def _cli(*args, lake, env=None):
    return CliRunner().invoke(
        app, [*args, "--home", str(lake.home)], env={"COLUMNS": "200", "OM_TEST_TOKEN": TOKEN, **(env or {})}
    )


def _execute(lake: Lake, sql: str, params=None) -> None:
    with duckdb.connect(str(lake.warehouse)) as con:
        con.execute(sql, params or [])


@pytest.fixture(autouse=True)
def no_airflow_in_process(monkeypatch):
    """The CLI publishes the Airflow DAGs as pipelines by building them, which imports and configures
    Airflow for the whole process; here that process is the test session. Pipelines are tested
    through Airflow itself (tests/integration/test_catalog_dag.py)."""
    from catalog import cli as catalog_cli

    monkeypatch.setattr(catalog_cli, "pipelines_provider", None)


@pytest.fixture(scope="module")
def city(tmp_path_factory):
    root = tmp_path_factory.mktemp("openmetadata")
    lake, _ = run_generated_city(root, PERSONS, SEED)
    yield lake
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def lake(city, tmp_path):
    """A copy of the city's lake this test may change."""
    shutil.copytree(city.home, tmp_path / "lake", ignore=shutil.ignore_patterns("landing"))
    return Lake(tmp_path / "lake")


@pytest.fixture(scope="module")
def synced(city):
    """The city's directory synced once to a stub; the stub's record of it."""
    with OpenMetadataStub(token=TOKEN) as om:
        result = sync(city, om.url, TOKEN, wait_seconds=0)
        yield om, result


def test_every_dry_run_payload_validates_against_the_sdk_models(city, tmp_path):
    ran = _cli("catalog", "sync-openmetadata", "--dry-run", str(tmp_path / "om"), lake=city)
    assert ran.exit_code == 0, ran.output
    entities = directory_entities(city)
    models = {e.kind: type(e.build(PlaceholderRefs())) for e in entities}
    files = sorted((tmp_path / "om").rglob("*.json"))
    assert len(files) == len(entities)
    for f in files:
        models[f.parent.name].model_validate_json(f.read_text(encoding="utf-8"))
    published = _rows(city, "SELECT count(*) AS n FROM catalog.published")[0]["n"]
    assert len(list((tmp_path / "om" / "table").glob("*.json"))) == published


def test_every_published_resource_is_a_table_with_its_columns_owner_and_directory_fields(city, synced):
    om, _ = synced
    resources = _rows(city, "SELECT * FROM catalog.resources WHERE code IN (SELECT code FROM catalog.published)")
    tables = {t["extension"]["resourceCode"]: t for t in om.entities["tables"].values()}
    assert set(tables) == {r["code"] for r in resources}
    teams = {t["id"]: name for name, t in om.entities["teams"].items()}
    properties = {p["name"]: p["displayName"] for p in om.types["table"]["customProperties"]}
    assert properties == load_config()["custom_properties"]
    for r in resources:
        t = tables[r["code"]]
        items = _rows(city, "SELECT name FROM catalog.items WHERE resource_code = ? ORDER BY position", [r["code"]])
        assert [c["name"] for c in t["columns"]] == [i["name"] for i in items]
        assert [teams[o["id"]] for o in t["owners"]] == r["providers"][:1]
        assert set(t["extension"]) == set(properties) and t["extension"]["resourceCode"] == r["code"]
        assert t["extension"]["opening"] == r["opening"] and t["displayName"] == r["title"]
        assert r["title_en"] in t["description"]


def test_personal_columns_carry_their_sensitivity_tag_and_tables_their_grade(city, synced):
    om, _ = synced
    items = _rows(city, "SELECT resource_code, name, sensitivity FROM catalog.items")
    sensitivity = {(i["resource_code"], i["name"]): i["sensitivity"] for i in items}
    tagged = 0
    for t in om.entities["tables"].values():
        code = t["extension"]["resourceCode"]
        assert any(tag["tagFQN"].startswith("DataGrade.") for tag in t["tags"])
        for c in t["columns"]:
            tags = {tag["tagFQN"] for tag in c.get("tags", []) if tag["source"] == "Classification"}
            expected = sensitivity[(code, c["name"])]
            assert tags == (set() if expected == "非个人信息" else {f"Sensitivity.{expected}"}), (code, c["name"])
            tagged += bool(tags)
    assert tagged
    for fqn in ("Sensitivity.敏感个人信息", "Sharing.有条件共享", "Opening.不予开放", "DataGrade.重要数据"):
        assert om.entity("tags", fqn), fqn


def test_the_glossary_holds_every_attribute_of_the_source_register_linked_to_its_columns(registry, synced):
    om, _ = synced
    terms = om.entities["glossaryTerms"]
    assert {t["name"] for t in terms.values()} == {a.replace(".", "__") for a in registry.authorities()}
    linked = {
        tag["tagFQN"]
        for t in om.entities["tables"].values()
        for c in t["columns"]
        for tag in c.get("tags", [])
        if tag["source"] == "Glossary"
    }
    assert linked and linked <= set(terms)
    source_id, column = registry.authorities()["population.id_no"]
    household = next(t for t in om.entities["tables"].values() if t["name"] == "stg_" + source_id.replace(".", "__"))
    assert {"tagFQN": "一数一源.population__id_no", "source": "Glossary"}.items() <= next(
        tag for c in household["columns"] if c["name"] == column for tag in c["tags"] if tag["source"] == "Glossary"
    ).items()


def test_lineage_edges_are_the_directorys(city, synced):
    om, _ = synced
    ids = {t["extension"]["resourceCode"]: t["id"] for t in om.entities["tables"].values()}
    edges = _rows(city, "SELECT from_code, to_code FROM catalog.relations WHERE kind = 'lineage'")
    assert edges and om.lineage == {(ids[e["from_code"]], ids[e["to_code"]]) for e in edges}


def test_every_quality_rule_is_a_test_case_with_its_latest_result(city, synced):
    om, _ = synced
    rules = _rows(city, "SELECT rule_id, source_id FROM quality.rules")
    cases = {c["displayName"]: fqn for fqn, c in om.entities["dataQuality/testCases"].items()}
    assert set(cases) == {r["rule_id"] for r in rules}
    latest = _rows(
        city,
        "SELECT rule_id, sum(checked) AS checked, sum(failed) AS failed FROM quality.rule_results "
        "WHERE (rule_id, run_id) IN (SELECT (rule_id, max(run_id)) FROM quality.rule_results GROUP BY rule_id) "
        "GROUP BY rule_id",
    )
    assert latest and len(om.results) == len(latest)
    for r in latest:
        [result] = om.results[cases[r["rule_id"]]]
        assert (result["passedRows"], result["failedRows"]) == (r["checked"] - r["failed"], r["failed"])
        assert result["testCaseStatus"] == ("Success" if r["failed"] == 0 else "Failed")
    suites = om.entities["dataQuality/testSuites"]
    assert len(suites) == len({r["source_id"] for r in rules})


def test_a_second_sync_with_nothing_changed_sends_no_write(lake):
    with OpenMetadataStub(token=TOKEN) as om:
        first = _cli("catalog", "sync-openmetadata", "--host", om.url, "--token-env", "OM_TEST_TOKEN", lake=lake)
        assert first.exit_code == 0, first.output
        sent = len(om.writes)
        second = _cli("catalog", "sync-openmetadata", "--host", om.url, "--token-env", "OM_TEST_TOKEN", lake=lake)
        assert second.exit_code == 0, second.output
        assert sent > 0 and len(om.writes) == sent
        assert "nothing to send" in second.output and TOKEN not in first.output + second.output


def test_a_changed_column_description_sends_one_patch_of_that_column(lake):
    item = _rows(lake, "SELECT resource_code, name, position FROM catalog.items WHERE name = 'birth_date' LIMIT 1")[0]
    with OpenMetadataStub(token=TOKEN) as om:
        sync(lake, om.url, TOKEN, wait_seconds=0)
        _execute(
            lake,
            "UPDATE catalog.items SET name_en = 'date of birth' WHERE resource_code = ? AND name = ?",
            [item["resource_code"], item["name"]],
        )
        sent = len(om.writes)
        result = sync(lake, om.url, TOKEN, wait_seconds=0)
        [(method, path, ops)] = om.writes[sent:]
        table = next(
            t for t in om.entities["tables"].values() if t["extension"]["resourceCode"] == item["resource_code"]
        )
        assert result.updated == {"table": 1}
        assert method == "PATCH" and path == f"/tables/{table['id']}"
        assert [op["path"] for op in ops] == [f"/columns/{item['position'] - 1}/description"]
        assert table["columns"][item["position"] - 1]["description"].endswith("— date of birth")


def test_a_change_not_published_is_not_sent(lake):
    code = _rows(lake, "SELECT code FROM catalog.published ORDER BY code LIMIT 1")[0]["code"]
    with OpenMetadataStub(token=TOKEN) as om:
        sync(lake, om.url, TOKEN, wait_seconds=0)
        # the build's title differs from the published one, as while a change waits 待审核
        _execute(lake, "UPDATE catalog.resources SET title = title || '（待审核）' WHERE code = ?", [code])
        sent = len(om.writes)
        sync(lake, om.url, TOKEN, wait_seconds=0)
        assert len(om.writes) == sent


def test_a_resource_removed_from_the_directory_is_soft_deleted_and_its_lineage_removed(lake):
    gone = _rows(
        lake,
        "SELECT code, upstream FROM catalog.resources WHERE kind = 'curated' AND downstream = [] AND len(upstream) > 0 "
        "ORDER BY code LIMIT 1",
    )[0]
    with OpenMetadataStub(token=TOKEN) as om:
        sync(lake, om.url, TOKEN, wait_seconds=0)
        ids = {t["extension"]["resourceCode"]: t["id"] for t in om.entities["tables"].values()}
        table = next(t for t in om.entities["tables"].values() if t["id"] == ids[gone["code"]])
        _execute(lake, "DELETE FROM catalog.published WHERE code = ?", [gone["code"]])
        sent = len(om.writes)
        result = sync(lake, om.url, TOKEN, wait_seconds=0)
        edges = {f"/lineage/table/{ids[up]}/table/{table['id']}" for up in gone["upstream"]}
        deletes = [(m, p) for m, p, _ in om.writes[sent:]]
        assert result.deleted == {"lineage": len(edges), "table": 1}
        assert {p for _, p in deletes[:-1]} == edges and all(m == "DELETE" for m, _ in deletes)
        assert deletes[-1][1] == f"/tables/{table['id']}?hardDelete=false&recursive=true"
        assert table["deleted"] is True and not {e for e in om.lineage if table["id"] in e}


def test_a_refused_token_exits_1_with_one_line(lake, tmp_path):
    token_file = tmp_path / "token"
    token_file.write_text("eyJ.wrong-token.sig\n", encoding="utf-8")
    with OpenMetadataStub(token=TOKEN) as om:
        ran = _cli("catalog", "sync-openmetadata", "--host", om.url, "--token-file", str(token_file), lake=lake)
    assert ran.exit_code == 1
    [line] = ran.output.strip().splitlines()
    assert "refused the token (HTTP 401)" in line and "wrong-token" not in line and "Traceback" not in ran.output


def test_an_unreachable_host_exits_1_with_one_line(lake):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        host = f"http://127.0.0.1:{s.getsockname()[1]}/api"
    ran = _cli("catalog", "sync-openmetadata", "--host", host, "--token-env", "OM_TEST_TOKEN", lake=lake)
    assert ran.exit_code == 1
    [line] = ran.output.strip().splitlines()
    assert line.startswith(f"OpenMetadata at {host} is unreachable")
