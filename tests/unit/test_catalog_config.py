"""catalog/sources.yaml is validated, and an error names the source and the field."""

from __future__ import annotations

import pytest
import yaml

from catalog.config import SOURCES_PATH, CatalogConfigError, load_sources


def _write(tmp_path, change) -> object:
    raw = yaml.safe_load(SOURCES_PATH.read_text(encoding="utf-8"))
    change(raw)
    path = tmp_path / "sources.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return path


def test_the_projects_file_agrees_with_the_registry(registry):
    config = load_sources(registry)
    assert set(config.sources) == set(registry.sources)


def test_a_registry_source_missing_is_named(tmp_path, registry):
    path = _write(tmp_path, lambda raw: raw["sources"].pop("swj.taxpayer"))
    with pytest.raises(CatalogConfigError, match=r"sources\.swj\.taxpayer: missing"):
        load_sources(registry, path)


def test_a_conditional_sharing_without_its_condition_is_named(tmp_path, registry):
    path = _write(tmp_path, lambda raw: raw["sources"]["gaj.household_register"].pop("sharing_condition"))
    with pytest.raises(CatalogConfigError, match=r"sources\.gaj\.household_register.*sharing_condition is required"):
        load_sources(registry, path)


def test_a_value_outside_the_vocabulary_is_named(tmp_path, registry):
    path = _write(tmp_path, lambda raw: raw["sources"]["scjg.patent"].update(opening="公开"))
    with pytest.raises(CatalogConfigError, match=r"sources\.scjg\.patent\.opening"):
        load_sources(registry, path)


def test_a_sensitivity_for_a_column_the_source_lacks_is_named(tmp_path, registry):
    path = _write(tmp_path, lambda raw: raw["sources"]["rsj.social_insurance"]["sensitivity"].update(salary="个人信息"))
    with pytest.raises(CatalogConfigError, match=r"sources\.rsj\.social_insurance\.sensitivity\.salary: the source"):
        load_sources(registry, path)
