"""The resource directory of a generated city, built by `govlake run` with real dbt and DuckDB:
complete (every curated model, every registry source, every mandatory field), coded stably, and
findable from the terminal."""

from __future__ import annotations

import re
import shutil

import pytest
from typer.testing import CliRunner

from catalog.manifest import read_manifest
from catalog.store import build_directory
from conductor.cli import app
from govlake.settings import Lake
from quality.masking import mask_kind
from tests.lake_fixtures import run_generated_city
from tests.lake_fixtures import warehouse_rows as _rows

pytestmark = pytest.mark.slow

PERSONS, SEED = 400, 5
CODE = re.compile(r"^[123]\d{2}\d{3}/\d{6}$")
MANDATORY = ("title", "title_en", "summary", "format", "sharing", "sharing_method", "opening", "update_cycle", "grade",
             "published_at", "class_name", "item_name", "catalog_name")  # fmt: skip
TYPE_CODES = set("CNYDTLMGBIF")
SENSITIVITY = {"敏感个人信息", "个人信息", "非个人信息"}


def _cli(*args, lake):
    return CliRunner().invoke(app, [*args, "--home", str(lake.home)], env={"COLUMNS": "200"})


@pytest.fixture(scope="module")
def city(tmp_path_factory):
    root = tmp_path_factory.mktemp("catalog")
    lake, output = run_generated_city(root, PERSONS, SEED)
    yield {"lake": lake, "output": output, "resources": _rows(lake, "SELECT * FROM catalog.resources")}
    shutil.rmtree(root, ignore_errors=True)


def test_every_curated_model_and_every_registry_source_is_a_resource(city, registry):
    names = {r["name"] for r in city["resources"]}
    curated = {m.name for m in read_manifest(city["lake"]).models.values() if m.curated}
    assert curated and curated <= names
    assert set(registry.sources) <= names
    assert len(names) == len(curated) + len(registry.sources)


def test_every_resource_fills_every_mandatory_field(city):
    for r in city["resources"]:
        empty = [f for f in MANDATORY if not r[f]]
        assert not empty, (r["name"], empty)
        assert CODE.match(r["code"]), r["code"]
        assert r["providers"] and len(r["provider_usccs"]) == len(r["providers"]) and all(r["provider_usccs"])
        assert r["sharing"] == "无条件共享" or r["sharing_condition"], r["name"]


def test_every_item_has_a_chinese_name_a_type_code_and_a_sensitivity(city):
    items = _rows(city["lake"], "SELECT * FROM catalog.items")
    assert items
    for i in items:
        assert i["name_zh"] and i["type_code"] in TYPE_CODES and i["sensitivity"] in SENSITIVITY, i


def test_every_column_quality_masks_is_personal_in_the_directory(city, registry):
    sensitivity = {
        (r["name"], i["name"]): i["sensitivity"]
        for r in city["resources"]
        for i in _rows(city["lake"], f"SELECT * FROM catalog.items WHERE resource_code = '{r['code']}'")
    }
    masked = [(s.id, c.name) for s in registry.sources.values() for c in s.columns if mask_kind(s, c)]
    assert masked
    assert [m for m in masked if sensitivity[m] == "非个人信息"] == []


def test_codes_are_unique_and_stable_over_two_builds(city):
    before = {r["name"]: r["code"] for r in city["resources"]}
    assert len(set(before.values())) == len(before)
    build_directory(city["lake"])
    after = {r["name"]: r["code"] for r in _rows(city["lake"], "SELECT name, code FROM catalog.resources")}
    assert after == before


def test_lineage_runs_from_the_department_source_to_the_golden_records(city):
    code = {r["name"]: r["code"] for r in city["resources"]}
    person = next(r for r in city["resources"] if r["name"] == "base_population__person")
    household = next(r for r in city["resources"] if r["name"] == "gaj.household_register")
    assert code["gaj.household_register"] in person["upstream"]
    assert code["base_population__person"] in household["downstream"]
    assert person["rows"] > 0 and person["quality_overall"] is not None


def test_searching_a_part_of_a_chinese_item_name_finds_the_enterprise_resources(city):
    found = _cli("catalog", "search", "信用代码", lake=city["lake"])
    assert found.exit_code == 0, found.output
    code = {r["name"]: r["code"] for r in city["resources"]}
    for name in ("base_legal_entity__enterprise", "scjg.enterprise_register", "swj.taxpayer"):
        assert code[name] in found.output


def test_show_prints_a_resource_with_its_items(city):
    shown = _cli("catalog", "show", "base_legal_entity__enterprise", lake=city["lake"])
    assert shown.exit_code == 0, shown.output
    assert "统一社会信用代码" in shown.output and "共享属性 sharing" in shown.output


def _sources_yaml(tmp_path, **changes) -> object:
    """catalog/sources.yaml with some sources' fields changed."""
    import yaml

    from catalog.config import SOURCES_PATH

    raw = yaml.safe_load(SOURCES_PATH.read_text(encoding="utf-8"))
    for source_id, fields in changes.items():
        raw["sources"][source_id].update(fields)
    path = tmp_path / "sources.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return path


def _published(lake: Lake, name: str) -> dict:
    import json

    (state,) = [
        json.loads(r["state"])
        for r in _rows(lake, "SELECT p.state FROM catalog.published p JOIN catalog.resources r USING (code) "
                             f"WHERE r.name = '{name}'")
    ]  # fmt: skip
    return state


def _change(lake: Lake, name: str, field: str) -> dict:
    return _rows(
        lake,
        f"SELECT * FROM catalog.changes WHERE resource = '{name}' AND field = '{field}' "
        "ORDER BY change_id DESC LIMIT 1",
    )[0]


def test_the_first_build_published_the_whole_directory_as_version_one(city):
    versions = _rows(city["lake"], "SELECT * FROM catalog.versions ORDER BY version")
    assert versions[0]["version"] == 1 and versions[0]["changes"] == len(city["resources"])


def test_a_change_that_narrows_access_is_published_at_once(city, tmp_path):
    lake = city["lake"]
    result = build_directory(lake, sources_path=_sources_yaml(tmp_path, **{"scjg.patent": {"opening": "不予开放"}}))
    assert result.published == 1 and result.pending == 0
    assert _published(lake, "scjg.patent")["opening"] == "不予开放"
    change = _change(lake, "scjg.patent", "opening")
    assert (change["direction"], change["status"], change["version"]) == ("narrow", "已发布", result.version)


def test_a_change_that_widens_access_waits_for_a_steward_and_is_published_when_approved(city, tmp_path):
    lake = city["lake"]
    wider = {"gaj.household_register": {"sharing": "无条件共享"}, "scjg.patent": {"opening": "不予开放"}}
    result = build_directory(lake, sources_path=_sources_yaml(tmp_path, **wider))
    assert result.pending == 1
    assert _published(lake, "gaj.household_register")["sharing"] == "有条件共享"  # not published
    review = _cli("catalog", "review", lake=lake)
    change = _change(lake, "gaj.household_register", "sharing")
    assert change["status"] == "待审核" and change["change_id"] in review.output
    approved = _cli("catalog", "approve", change["change_id"], "--by", "数据管理员-赵", lake=lake)
    assert approved.exit_code == 0, approved.output
    assert _published(lake, "gaj.household_register")["sharing"] == "无条件共享"
    decided = _change(lake, "gaj.household_register", "sharing")
    assert (decided["status"], decided["decided_by"]) == ("已发布", "数据管理员-赵") and decided["decided_at"]


def test_a_rejected_change_stays_unpublished_and_is_not_raised_again(city, tmp_path):
    lake = city["lake"]
    wider = {
        "gaj.household_register": {"sharing": "无条件共享"},
        "scjg.patent": {"opening": "不予开放"},
        "wjw.death_record": {"opening": "无条件开放"},
    }
    path = _sources_yaml(tmp_path, **wider)
    assert build_directory(lake, sources_path=path).pending == 1
    change = _change(lake, "wjw.death_record", "opening")
    refused = _cli("catalog", "reject", change["change_id"], "--by", "数据管理员-赵", "--reason", "死亡原因不得开放",
                   lake=lake)  # fmt: skip
    assert refused.exit_code == 0, refused.output
    assert _published(lake, "wjw.death_record")["opening"] == "不予开放"
    assert build_directory(lake, sources_path=path).pending == 0
    assert _change(lake, "wjw.death_record", "opening")["reason"] == "死亡原因不得开放"
    again = _cli("catalog", "approve", change["change_id"], "--by", "x", lake=lake)
    assert again.exit_code == 1 and "已驳回" in again.output
