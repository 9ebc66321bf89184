"""One consistency rule per copy of a golden name (govlake/registry/names.py): a name
delivered beside the identifier of a person or enterprise must agree with the base
library's name for that identifier (一数一源, docs/one-source.md#conflicts).

The disagreements themselves are dbt's (base_conflicts__observation, rule name_mismatch,
compared after name_key: whitespace and full-width forms are not differences); the rule
reads them back for the rows of its column, values masked as the column requires.
"""

from __future__ import annotations

from govlake.registry import Registry, Source
from govlake.registry.names import NamePair, name_pairs
from govlake.staging_contract import chinese_name
from quality import staging as stg
from quality.dimensions import WARNING
from quality.masking import masked
from quality.rule import Rule
from quality.sqlfiles import render

# entity -> (library, what its name is called, the identifier), zh and en
ENTITY_WORDS = {
    "person": (("人口库", "姓名", "公民身份号码"), ("population library", "name", "ID number")),
    "enterprise": (("法人库", "名称", "统一社会信用代码"), ("legal-entity library", "name", "USCC")),
}


def name_rules(registry: Registry, source: Source) -> list[Rule]:
    return [_rule(source, pair) for pair in name_pairs(registry) if pair.source == source.id]


def _rule(source: Source, pair: NamePair) -> Rule:
    column, code = source.column(pair.column), source.column(pair.code)
    zh_words = [ENTITY_WORDS[e][0] for e in pair.entities]
    en_words = [ENTITY_WORDS[e][1] for e in pair.entities]
    zh_where = "或".join(f"{lib}中该{ident}对应的{what}" for lib, what, ident in zh_words)
    zh_name, zh_code = chinese_name(source, column), chinese_name(source, code)
    en_where = " or ".join(f"the {lib}'s {what} for that {ident}" for lib, what, ident in en_words)
    sql = render(
        "conflict.sql",
        source=source,
        column=pair.column,
        params={"conflict": "name_mismatch"},
        relation=stg.relation(source),
        record_key=stg.record_key(source),
        masked=lambda _column, expr: masked(source, column, expr),
    )
    return Rule(
        id=f"consistency.name_mismatch.{source.id}.{pair.column}",
        dimension="consistency",
        check="name_mismatch",
        source=source.id,
        column=pair.column,
        severity=WARNING,
        message_zh=f"{zh_name}（{pair.column}）与{zh_where}不一致（以{zh_code}查找）",
        message_en=f"{pair.column} differs from {en_where} (found by {pair.code})",
        sql=sql,
        checked=f"present:{pair.column}",
    )
