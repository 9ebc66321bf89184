"""Names beside an identifier: the pairs come from the registry (`names:`), each has its
consistency rule, its dbt conflict comparison, and a name mask when it may name a person."""

import jinja2
import pytest

from govlake.registry.names import name_pairs
from govlake.settings import DBT_PROJECT
from quality.masking import mask_kind
from quality.ruleset import all_rules

ENTITY_CHECKS = {"id_card", "uscc"}


@pytest.fixture(scope="module")
def pairs(registry):
    return name_pairs(registry)


@pytest.fixture(scope="module")
def rules(registry):
    return {r.id: r for r in all_rules(registry)}


def _identifiers(source) -> list[str]:
    return [c.name for c in source.columns if ENTITY_CHECKS & set(c.checks)]


def test_every_name_column_beside_an_identifier_of_its_entity_declares_it(registry):
    # the registry's naming convention: <who>_name beside <who>_id_no / _code / _uscc, and a
    # bare `name` beside the source's own id_no or uscc; a new source following it without
    # `names:` would go unchecked, so the convention is held here
    for source in registry.sources.values():
        for column in source.columns:
            if column.type != "string" or not (column.name == "name" or column.name.endswith("_name")):
                continue
            who = column.name.removesuffix("name")
            beside = [i for i in _identifiers(source) if (i.startswith(who) if who else i in ("id_no", "uscc"))]
            if beside:
                assert column.names in beside, (source.id, column.name, beside)
            else:
                assert column.names is None, (source.id, column.name)


def test_a_pair_finds_a_person_by_id_number_an_enterprise_by_uscc_and_either_by_a_party_code(pairs):
    entities = {(p.source, p.column): p.entities for p in pairs}
    assert entities[("wjw.death_record", "name")] == ("person",)
    assert entities[("yjj.hazard_enterprise", "name")] == ("enterprise",)
    assert entities[("zrzy.land_parcel", "owner_name")] == ("person", "enterprise")
    assert entities[("xyzx.double_publicity", "subject_name")] == ("person", "enterprise")


def test_the_authoritative_names_are_not_copies_of_themselves(pairs):
    columns = {(p.source, p.column) for p in pairs}
    assert ("gaj.household_register", "name") not in columns
    assert ("scjg.enterprise_register", "name") not in columns
    # the register's legal representative is authoritative for the enterprise, yet a copy
    # of the person's name
    assert ("scjg.enterprise_register", "legal_rep_name") in columns


def test_every_declared_name_other_than_an_authority_is_a_pair(registry, pairs):
    declared = {(s.id, c.name) for s in registry.sources.values() for c in s.columns if c.names}
    authorities = {registry.authorities()[a] for a in ("population.name", "legal_entity.name")}
    assert {(p.source, p.column) for p in pairs} == declared - authorities


def test_every_pair_has_its_consistency_rule_with_chinese_and_english_messages(pairs, rules):
    for p in pairs:
        rule = rules[f"consistency.name_mismatch.{p.source}.{p.column}"]
        assert (rule.dimension, rule.severity, rule.checked) == ("consistency", "warning", f"present:{p.column}")
        assert "不一致" in rule.message_zh and "differs" in rule.message_en
        assert f"o.other_source = '{p.source}'" in rule.sql and f"o.other_column = '{p.column}'" in rule.sql


class _Returned(Exception):
    """dbt's return(): the macro stops and hands back the value (not its text)."""


def _macro_value(path: str, name: str):
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(DBT_PROJECT / "macros"))

    def give_back(value):
        raise _Returned(value)

    module = env.get_template(path).make_module({"return": give_back})
    with pytest.raises(_Returned) as returned:
        getattr(module, name)()
    return returned.value.args[0]


def test_every_pair_is_among_the_copies_the_dbt_conflicts_compare(pairs):
    copies = {
        (c["source"], c["column"], c["code"], tuple(c["entities"]))
        for c in _macro_value("_generated/name_copies.sql", "name_copies")
    }
    assert copies == {(p.source, p.column, p.code, p.entities) for p in pairs}
    observation = (DBT_PROJECT / "models/base/conflicts/base_conflicts__observation.sql").read_text(encoding="utf-8")
    assert "for copy in govlake.name_copies()" in observation


def test_a_name_that_may_be_a_persons_is_masked_as_a_name(registry, pairs):
    for p in pairs:
        source = registry.source(p.source)
        if "person" in p.entities:
            assert mask_kind(source, source.column(p.column)) == "name", (p.source, p.column)
