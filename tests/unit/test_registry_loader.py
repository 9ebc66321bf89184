"""The registry loader rejects a bad entry with a message naming the file and the field."""

import shutil

import pytest

from govlake.registry import REGISTRY_DIR, RegistryError, load_registry


@pytest.fixture
def registry_copy(tmp_path):
    target = tmp_path / "registry"
    shutil.copytree(REGISTRY_DIR, target, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    return target


def _edit(path, old, new):
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_packaged_registry_loads_all_sources(registry):
    assert len(registry.sources) == 16
    assert len(registry.departments) == 12


def test_unknown_column_type_names_file_source_and_field(registry_copy):
    f = registry_copy / "departments" / "gaj.yaml"
    _edit(f, "name: gender, type: code", "name: gender, type: enum")
    with pytest.raises(RegistryError) as e:
        load_registry(registry_copy)
    msg = str(e.value)
    assert "gaj.yaml" in msg and "household_register" in msg and "columns.2.type" in msg


def test_key_must_be_a_column(registry_copy):
    _edit(registry_copy / "departments" / "swj.yaml", "key: [uscc, rating_year]", "key: [uscc, year]")
    with pytest.raises(RegistryError, match=r"swj.yaml[\s\S]*key column\(s\) \['year'\]"):
        load_registry(registry_copy)


def test_unknown_check_is_rejected(registry_copy):
    _edit(registry_copy / "departments" / "wjw.yaml", 'check: "icd10"', 'check: "icd11"')
    with pytest.raises(RegistryError, match="wjw.yaml"):
        load_registry(registry_copy)


def test_invalid_department_uscc_is_rejected(registry_copy):
    _edit(registry_copy / "departments" / "tjj.yaml", '"11371600004363271J"', '"11371600004363271K"')
    with pytest.raises(RegistryError, match=r"tjj.yaml[\s\S]*department.uscc"):
        load_registry(registry_copy)


def test_two_authorities_for_one_attribute_break_one_number_one_source(registry_copy):
    _edit(
        registry_copy / "departments" / "swj.yaml",
        "name: name, type: string, required: true, names: uscc}",
        'name: name, type: string, required: true, names: uscc, authority: "legal_entity.name"}',
    )
    with pytest.raises(RegistryError, match="two authoritative sources"):
        load_registry(registry_copy)


@pytest.mark.parametrize("target", ["rating_year", "nsrsbh", "name"])
def test_a_name_must_name_the_entity_of_another_identifier_column(registry_copy, target):
    _edit(registry_copy / "departments" / "swj.yaml", "names: uscc}", f"names: {target}}}")
    with pytest.raises(RegistryError, match=r"swj.yaml[\s\S]*column name: names"):
        load_registry(registry_copy)


def test_file_pattern_accepts_split_parts(registry):
    rx = registry.source("gaj.household_register").file_regex
    assert rx.match("hjrk_20261001.csv")
    assert rx.match("hjrk_20261001_part2.csv")
    assert not rx.match("hjrk_2026100.csv")
    assert registry.source("zrzy.land_parcel").file_regex.match("zd_2026Q4.geojson")


def test_retired_region_codes_map_to_their_current_successor(registry):
    city = registry.city
    assert city.successor("371626") == "371681"
    assert city.successor("372330") == "371681"  # 邹平县 (3723) -> 371626 -> 371681
    assert city.successor("123456") is None


def test_a_date_column_must_declare_a_layout_staging_can_check(registry_copy):
    _edit(registry_copy / "departments" / "rsj.yaml", 'format: "YYYYMMDD"', 'format: "DD.MM.YYYY"')
    with pytest.raises(RegistryError, match=r"rsj.yaml[\s\S]*columns.6[\s\S]*YYYYMMDD, YYYY-MM-DD[\s\S]*'DD.MM.YYYY'"):
        load_registry(registry_copy)


def test_every_date_and_datetime_column_has_a_declared_layout(registry):
    for s in registry.sources.values():
        for c in s.columns:
            assert (c.layout is not None) == (c.type in ("date", "datetime")), (s.id, c.name)
