"""Every base and theme model is documented as a directory resource (dbt_project/DIRECTORY_META.md).

Reads the `_models.yml` files and the model SQL files; no dbt run. That the documented
columns are the built ones is checked against a built warehouse in
tests/integration/test_dbt_golden_records.py.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from catalog.build import DIRECTORY_KEYS as REQUIRED_DIRECTORY_KEYS
from govlake.registry import load_registry
from tests.conftest import REPO

MODELS = REPO / "dbt_project" / "models"
LAYERS = ("base", "theme")
DIRECTORY_KEYS = set(REQUIRED_DIRECTORY_KEYS)  # the keys the catalog builder reads (catalog/build.py)
SHARING = {"无条件共享", "有条件共享", "不予共享"}
OPENING = {"无条件开放", "有条件开放", "不予开放"}
CYCLES = {"实时", "每日", "每周", "每月", "每季度", "每半年", "每年"}
GRADES = {"核心数据", "重要数据", "一般数据"}
FORMATS = {"库表", "文件", "接口"}
TYPE_CODES = set("CNYDTLMGBIF")
SENSITIVITY = {"敏感个人信息", "个人信息", "非个人信息"}
BILINGUAL = re.compile(r"[\u4e00-\u9fff].* — .*[A-Za-z]", re.S)


def _documented() -> dict[str, tuple[Path, dict]]:
    out = {}
    for layer in LAYERS:
        # a folder's _models.yml, or one <model>.yml per model where that grew long
        for yml in sorted((MODELS / layer).rglob("*.yml")):
            for model in yaml.safe_load(yml.read_text(encoding="utf-8")).get("models", []):
                out[model["name"]] = (yml, model)
    return out


DOCUMENTED = _documented()
SQL_MODELS = sorted(p.stem for layer in LAYERS for p in (MODELS / layer).rglob("*.sql"))


def test_every_base_and_theme_model_has_a_models_yml_entry():
    assert SQL_MODELS, "no base or theme models found"
    assert sorted(set(SQL_MODELS) - set(DOCUMENTED)) == []
    assert sorted(set(DOCUMENTED) - set(SQL_MODELS)) == []


@pytest.mark.parametrize("model", SQL_MODELS)
def test_model_and_every_column_are_described_in_chinese_and_english(model):
    _, doc = DOCUMENTED[model]
    assert BILINGUAL.search(doc.get("description", "")), f"{model}: description needs Chinese — English"
    assert doc.get("columns"), f"{model}: no columns documented"
    for col in doc["columns"]:
        assert BILINGUAL.search(col.get("description", "")), f"{model}.{col['name']}: Chinese — English"
        meta = col.get("meta", {})
        assert meta.get("type_code") in TYPE_CODES, f"{model}.{col['name']}: type_code {meta.get('type_code')!r}"
        assert meta.get("sensitivity") in SENSITIVITY, f"{model}.{col['name']}: sensitivity"


@pytest.mark.parametrize("model", SQL_MODELS)
def test_model_carries_the_directory_fields(model):
    yml, doc = DOCUMENTED[model]
    directory = (doc.get("config", {}).get("meta") or doc.get("meta") or {}).get("directory")
    assert directory, f"{yml}: {model} has no meta.directory"
    missing = DIRECTORY_KEYS - set(directory)
    assert not missing, f"{model}: directory lacks {sorted(missing)}"
    assert directory["class"] in (1, 2, 3)
    assert re.fullmatch(r"\d{2}", str(directory["item"])) and re.fullmatch(r"\d{3}", str(directory["catalog"]))
    assert isinstance(directory["sequence"], int) and directory["sequence"] >= 1
    assert directory["sharing"] in SHARING and directory["opening"] in OPENING
    if directory["sharing"] != "无条件共享":
        assert directory.get("sharing_condition"), f"{model}: {directory['sharing']} needs sharing_condition"
    assert directory["update_cycle"] in CYCLES and directory["grade"] in GRADES
    assert directory["format"] in FORMATS
    departments = set(load_registry().departments)
    assert set(directory["providers"]) <= departments, f"{model}: unknown providers"
    assert set(directory["related"]) <= set(SQL_MODELS) | {m for m in _staging_models()}, f"{model}: related"


def test_resource_codes_are_unique():
    codes = {}
    for model in SQL_MODELS:
        d = (DOCUMENTED[model][1].get("config", {}).get("meta") or {}).get("directory", {})
        code = f"{d.get('class')}{d.get('item')}{d.get('catalog')}/{int(d.get('sequence', 0)):06d}"
        assert code not in codes, f"{model} and {codes.get(code)} share the resource code {code}"
        codes[code] = model


def test_key_columns_have_uniqueness_tests():
    for model in SQL_MODELS:
        _, doc = DOCUMENTED[model]
        model_tests = [t for t in doc.get("data_tests", []) if isinstance(t, dict) and "unique_combination" in t]
        column_unique = [c for c in doc["columns"] if "unique" in (c.get("data_tests") or [])]
        assert model_tests or column_unique, f"{model}: no unique / unique_combination test on its key"


def _staging_models() -> set[str]:
    return {p.stem for p in (MODELS / "staging").rglob("stg_*.sql")}


def test_the_resource_directory_exposure_consumes_every_base_and_theme_model():
    exposures = yaml.safe_load((MODELS / "exposures.yml").read_text(encoding="utf-8"))["exposures"]
    by_name = {e["name"]: e for e in exposures}
    assert {"resource_directory", "steward_report"} <= set(by_name)
    refs = {re.fullmatch(r"ref\('(\w+)'\)", d).group(1) for d in by_name["resource_directory"]["depends_on"]}
    assert refs == set(SQL_MODELS)
