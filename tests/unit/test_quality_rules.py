"""The rule set: generated from every registry constraint, the registry's `rules:` sentences
all accounted for in quality/rules.yaml, ids stable and well-formed, SQL that parses."""

import re

import duckdb
import pytest

from govlake.registry import load_registry
from quality.dimensions import DIMENSIONS, SEVERITIES
from quality.explicit import load_entries, not_checked
from quality.ruleset import all_rules

ID = re.compile(r"^(?P<dim>[a-z]+)\.(?P<check>[a-z0-9_]+)\.(?P<source>[a-z]+\.[a-z_]+)\.(?P<column>[a-z0-9_|]+)$")


@pytest.fixture(scope="module")
def registry():
    return load_registry()


@pytest.fixture(scope="module")
def rules(registry):
    return all_rules(registry)


@pytest.fixture(scope="module")
def ids(rules):
    return {r.id for r in rules}


def test_rule_ids_are_unique_and_name_dimension_check_source_column(rules, registry):
    assert len({r.id for r in rules}) == len(rules)
    for r in rules:
        m = ID.match(r.id)
        assert m, r.id
        assert m["dim"] in DIMENSIONS and r.severity in SEVERITIES
        assert m["source"] in registry.sources
        assert r.column in ("_row", "_file", "_batch") or all(
            c in registry.source(r.source).column_names for c in r.column.split("|")
        ), r.id
        assert r.message_zh.strip() and r.message_en.strip()


def test_the_rule_set_is_the_same_at_every_generation(registry, rules):
    assert [r.id for r in all_rules(registry)] == [r.id for r in rules]


def test_every_required_column_has_a_completeness_rule(registry, ids):
    for s in registry.sources.values():
        for c in s.columns:
            if c.required:
                assert f"completeness.required.{s.id}.{c.name}" in ids


def test_every_code_list_and_range_has_a_rule(registry, ids):
    for s in registry.sources.values():
        for c in s.columns:
            if c.codes is not None:
                assert f"conformity.code_list.{s.id}.{c.name}" in ids
            if c.range is not None:
                assert f"accuracy.range.{s.id}.{c.name}" in ids


def test_every_check_has_its_rules(registry, ids):
    expected = {
        "id_card": [
            "accuracy.check_digit",
            "conformity.lowercase_x",
            "conformity.legacy_15_digit_id",
            "accuracy.id_birth_date",
        ],
        "uscc": ["accuracy.check_digit", "conformity.lowercase"],
        "licence_id": ["accuracy.check_digit"],
        "patent_no": ["accuracy.check_digit"],
        "region": ["conformity.retired_region_code", "conformity.region_code"],
        "mobile": ["conformity.mobile"],
        "icd10": ["conformity.icd10"],
        "industry": ["conformity.industry"],
    }
    for s in registry.sources.values():
        for c in s.columns:
            for check in c.checks:
                for prefix in expected[check]:
                    assert f"{prefix}.{s.id}.{c.name}" in ids, (s.id, c.name, check)


def test_the_conditional_check_form_has_its_own_rule(ids):
    assert "conformity.check_by.xyzx.double_publicity.subject_code" in ids


def test_typed_and_patterned_columns_have_a_format_rule(registry, ids):
    for s in registry.sources.values():
        for c in s.columns:
            if (
                c.type in ("date", "datetime", "integer", "decimal")
                or c.pattern
                or any(k in ("id_card", "uscc", "licence_id", "patent_no") for k in c.checks)
            ):
                assert f"conformity.format.{s.id}.{c.name}" in ids, (s.id, c.name)


def test_every_date_and_datetime_column_has_a_declared_layout_warning(registry, rules):
    by_id = {r.id: r for r in rules}
    for s in registry.sources.values():
        for c in (c for c in s.columns if c.type in ("date", "datetime")):
            rule = by_id.get(f"conformity.declared_layout.{s.id}.{c.name}")
            assert rule is not None, (s.id, c.name)
            assert rule.severity == "warning" and c.layout in rule.message_zh and c.layout in rule.message_en


def test_every_source_has_key_file_and_calendar_rules(registry, ids):
    for s in registry.sources.values():
        for rule in (
            f"accuracy.unique_key.{s.id}.{'|'.join(s.key)}",
            f"accessibility.row_readable.{s.id}._row",
            f"accessibility.file_readable.{s.id}._file",
            f"timeliness.late_batch.{s.id}._batch",
            f"completeness.batch_missing.{s.id}._batch",
        ):
            assert rule in ids


def test_every_registry_rule_sentence_is_implemented_or_explained(registry):
    entries = load_entries()
    quoted = {(e.get("source") or ".".join(e["id"].split(".")[2:4]), e["registry"]) for e in entries if "registry" in e}
    for s in registry.sources.values():
        for sentence in s.rules:
            assert (s.id, sentence) in quoted, f"{s.id}: {sentence!r} is in no quality/rules.yaml entry"
    assert all(n.reason for n in not_checked(entries))


def test_every_generated_entry_names_a_rule_that_exists(ids):
    generated = [e["generated"] for e in load_entries() if "generated" in e]
    assert generated
    assert set(generated) <= ids


def test_dimensions_follow_standards_for_the_cross_source_kinds(ids):
    # docs/quality-dimensions.md#dimensions: "birth date vs ID number" is 准确性; a dead person paid is 一致性
    assert "accuracy.birth_date_vs_id.gaj.household_register.birth_date" in ids
    assert "accuracy.gender_vs_id.gaj.household_register.gender" in ids
    assert "consistency.dead_person_paid.rsj.social_insurance.status" in ids


def test_every_rule_sql_parses(rules):
    con = duckdb.connect()
    for r in rules:
        if r.sql:
            sql = r.sql.replace("{batches}", "'2026-10-01'").replace("'", "''")
            error = con.execute(f"SELECT json_extract(json_serialize_sql('{sql}'), '$.error')").fetchall()[0][0]
            assert error == "false", f"{r.id}: {con.execute(f'SELECT json_serialize_sql($${r.sql}$$)').fetchall()}"
