"""Rules written out in quality/rules.yaml: the registry's `rules:` sentences (cross-field,
cross-source) and the checks the registry states only in prose (docs/quality-dimensions.md#rules-and-severities).

Each entry's `where` or `sql` is a Jinja template rendered here with the registry's facts,
the staging expressions of its source (quality/staging.py) and a `masked` helper, so an
entry states the condition and nothing about keys, lineage or masking.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from govlake.registry import Registry, Source
from quality import staging as stg
from quality.masking import masked
from quality.rule import Rule
from quality.sqlfiles import render, render_string, sql_literal

RULES_FILE = Path(__file__).with_name("rules.yaml")
ENTRY_KEYS = {
    "id",
    "registry",
    "basis",
    "also",
    "severity",
    "zh",
    "en",
    "where",
    "sql",
    "observed",
    "detail",
    "checked",
    "params",
    "source",
    "not_checked",
    "generated",
}


@dataclass(frozen=True)
class NotChecked:
    """A registry sentence that is not a check of a row, with the reason."""

    source: str
    registry: str
    reason: str


def load_entries(path: Path = RULES_FILE) -> list[dict]:
    entries = yaml.safe_load(path.read_text(encoding="utf-8"))["rules"]
    for e in entries:
        unknown = set(e) - ENTRY_KEYS
        if unknown:
            raise ValueError(f"{path}: entry {e.get('id') or e.get('registry')}: unknown keys {sorted(unknown)}")
    return entries


def not_checked(entries: list[dict] | None = None) -> list[NotChecked]:
    return [
        NotChecked(e["source"], e["registry"], e["not_checked"])
        for e in (entries if entries is not None else load_entries())
        if "not_checked" in e
    ]


def explicit_rules(registry: Registry, entries: list[dict] | None = None) -> list[Rule]:
    out = []
    for entry in entries if entries is not None else load_entries():
        if "not_checked" in entry or "generated" in entry:
            continue
        out.append(_rule(registry, entry))
    return out


def _rule(registry: Registry, entry: dict) -> Rule:
    rule_id = entry["id"]
    dimension, check, dept, entity, column = rule_id.split(".", 4)
    source = registry.source(f"{dept}.{entity}")
    context = _context(registry, source, column, entry.get("params", {}))
    if "sql" in entry:
        sql = render(entry["sql"], **context)
    else:
        sql = _where_sql(source, render_string(entry["where"], **context), entry, context)
    return Rule(
        id=rule_id,
        dimension=dimension,
        check=check,
        source=source.id,
        column=column,
        severity=entry["severity"],
        message_zh=entry["zh"],
        message_en=entry["en"],
        sql=sql,
        checked=entry.get("checked", "rows"),
        origin="rules.yaml",
        registry_rule=entry.get("registry") or entry.get("basis"),
    )


def _context(registry: Registry, source: Source, column: str, params: dict) -> dict:
    def masked_of(column_name: str, expr: str) -> str:
        names = source.column_names
        return masked(source, source.column(column_name), expr) if column_name in names else expr

    def code_of(column_name: str, label: str) -> str:
        codes = source.column(column_name).codes
        return next(code for code, text in codes.items() if text == label)

    return {
        "source": source,
        "column": column,
        "params": params,
        "registry": registry,
        "city": registry.city,
        "relation": stg.relation(source),
        "record_key": stg.record_key(source),
        "masked": masked_of,
        "code_of": code_of,
        "counties": sorted(registry.city.counties),
        "sql_list": lambda values: ", ".join(sql_literal(v) for v in values),
    }


def _where_sql(source: Source, where: str, entry: dict, context: dict) -> str:
    observed = "NULL"
    if entry.get("observed"):
        col = source.column(entry["observed"])
        observed = masked(source, col, stg.observed(col))
    detail = render_string(entry["detail"], **context) if entry.get("detail") else "NULL"
    return (
        f"SELECT s._batch, s._file, s._row_no, {stg.record_key(source)} AS record_key,\n"
        f"       {observed} AS observed, {detail} AS detail\n"
        f"FROM {stg.relation(source)} AS s\n"
        f"WHERE s._batch IN ({{batches}}) AND ({where})"
    )
