"""Rules generated from the source registry at run time: every column constraint of every
source becomes a rule, so nothing the registry says is typed again.

Per column (registry field -> rule):
  required                      completeness.required        blank after cleaning
  type / format / pattern       conformity.format            staging flag bad_format, impossible_date, bad_geojson
  format of a date / datetime   conformity.declared_layout   staging flag off_layout: read, but not in the
                                                             declared layout (a warning; the value is staged)
  check id_card|uscc|licence_id|patent_no
                                accuracy.check_digit         staging flag bad_check_digit
  check id_card                 conformity.lowercase_x, conformity.legacy_15_digit_id (normalised, kept)
                                accuracy.id_birth_date       embedded birth date before 1900 or after the batch
  check uscc                    conformity.lowercase         (normalised, kept)
  check region                  conformity.retired_region_code (mapped, kept), conformity.region_code (unknown)
  check mobile|icd10|industry   conformity.<check>           formats staging leaves to quality
  check {by, cases}             conformity.check_by          a valid identifier, but not the kind the row's
                                                             `by` column asks for
  codes                         conformity.code_list         value not in the code list (named lists too)
  range                         accuracy.range               typed value outside [low, high]
Per source:
  key                           accuracy.unique_key          key shared by two rows of one batch
                                accessibility.row_readable   rows quarantined at ingestion (undecodable,
                                                             short or long rows, malformed records)
                                accessibility.file_readable  files rejected whole (missing/extra column, ...)
  delivery.cadence              timeliness.late_batch        batch delivered after its period began
                                completeness.batch_missing   a period of the cycle has no batch
  delivery.mode: full           completeness.snapshot_volume a snapshot empty, or under a share of
                                                             the previous one (quality/volume.yaml)
Per copy of a golden name (column `names: <id column>`, govlake/registry/names.py):
                                consistency.name_mismatch    the name differs from the base library's
                                                             (quality/name_rules.py)

A key column's blocking failures (blank, off its layout, wrong check character) keep the row
out of staging: those rules read staging.stg_rejected (this run's copy, _q_rejected).
"""

from __future__ import annotations

from govlake.registry import Column, Registry, Source
from govlake.registry.schema import ConditionalCheck
from quality import staging as stg
from quality.dimensions import BLOCKING, WARNING
from quality.masking import masked
from quality.name_rules import name_rules
from quality.rule import Rule
from quality.sqlfiles import sql_literal

IDENTIFIERS = ("id_card", "uscc", "licence_id", "patent_no")
FORMATS = ("mobile", "icd10", "industry")
CHECK_NAMES = {
    "id_card": ("公民身份号码", "ID number"),
    "uscc": ("统一社会信用代码", "USCC"),
    "licence_id": ("电子证照标识", "e-licence id"),
    "patent_no": ("专利申请号", "patent number"),
    "mobile": ("手机号码", "mobile number"),
    "icd10": ("ICD-10编码", "ICD-10 code"),
    "industry": ("国民经济行业代码", "GB/T 4754 industry code"),
}


def generated_rules(registry: Registry, source: Source) -> list[Rule]:
    rules: list[Rule] = []
    for column in source.columns:
        rules += _column_rules(registry, source, column)
    rules.append(_unique_key(source))
    rules += _file_rules(source)
    rules += name_rules(registry, source)
    return rules


# --- SQL shapes ---------------------------------------------------------------------------
def _staged(source: Source, where: str, observed: str = "NULL", detail: str = "NULL") -> str:
    """Failing rows of the staging model."""
    return (
        f"SELECT s._batch, s._file, s._row_no, {stg.record_key(source)} AS record_key,\n"
        f"       {observed} AS observed, {detail} AS detail\n"
        f"FROM {stg.relation(source)} AS s\n"
        f"WHERE s._batch IN ({{batches}}) AND ({where})"
    )


def _rejected(source: Source, column: Column, reasons: list[str]) -> str:
    """Rows staging rejected for `column` with one of `reasons` (stg_rejected: '<col>:<rule>')."""
    position = source.key.index(column.name) + 1
    value = masked(source, column, f"nullif(split_part(r.record_key, '|', {position}), '')")
    wanted = ", ".join(sql_literal(f"{column.name}:{r}") for r in reasons)
    return (
        f"SELECT r._batch, r._file, r._row_no, {stg.rejected_record_key(source)} AS record_key,\n"
        f"       {value} AS observed, r.reason AS detail\n"
        f"FROM {stg.REJECTED} AS r\n"
        f"WHERE r.source_id = {sql_literal(source.id)} AND r._batch IN ({{batches}})\n"
        f"  AND list_has_any(r.reasons, [{wanted}])"
    )


def _flagged(source: Source, column: Column, flags: list[str]) -> str:
    where = f"s.{column.name}_flag IN ({', '.join(sql_literal(f) for f in flags)})"
    return _staged(source, where, masked(source, column, stg.observed(column)), f"s.{column.name}_flag")


def _value_fails(source: Source, column: Column, condition: str) -> str:
    return _staged(source, f"s.{column.name} IS NOT NULL AND {condition}", masked(source, column, stg.observed(column)))


# --- rule factory -------------------------------------------------------------------------
def _rule(
    source: Source,
    column: Column | str,
    dimension: str,
    check: str,
    severity: str,
    zh: str,
    en: str,
    sql: str | None,
    checked: str,
) -> Rule:
    name = column if isinstance(column, str) else column.name
    return Rule(
        id=f"{dimension}.{check}.{source.id}.{name}",
        dimension=dimension,
        check=check,
        source=source.id,
        column=name,
        severity=severity,
        message_zh=zh,
        message_en=en,
        sql=sql,
        checked=checked,
    )


def _label(column: Column) -> str:
    return f"{column.header}（{column.name}）"


def _column_rules(registry: Registry, source: Source, column: Column) -> list[Rule]:
    is_key = column.name in source.key
    kind = stg.kind(column)
    label = _label(column)
    # key, required and identifier columns carry facts rows are found by: losing one blocks
    important = BLOCKING if (is_key or column.required or kind in (*IDENTIFIERS, "party_code")) else WARNING
    per_value = "keyed_rows" if is_key else f"present:{column.name}"
    out: list[Rule] = []

    if column.required:
        sql = _rejected(source, column, ["blank_key"]) if is_key else _staged(source, f"NOT {stg.present(column)}")
        out.append(
            _rule(
                source,
                column,
                "completeness",
                "required",
                BLOCKING,
                f"必填项{label}为空",
                f"required column {column.name} is blank",
                sql,
                "keyed_rows" if is_key else "rows",
            )
        )

    if stg.has_flag(column) or column.pattern:
        if is_key:
            sql = _rejected(source, column, ["bad_format", "impossible_date"])
        elif stg.has_flag(column):
            sql = _flagged(source, column, ["bad_format", "impossible_date", "bad_geojson"])
        else:
            sql = _value_fails(source, column, f"NOT regexp_full_match(s.{column.name}, {sql_literal(column.pattern)})")
        layout = column.format or {"party_code": "统一社会信用代码或公民身份号码"}.get(kind, kind)
        out.append(
            _rule(
                source,
                column,
                "conformity",
                "format",
                important,
                f"{label}不符合格式（{layout}）或不是有效值",
                f"{column.name} does not follow its format ({layout}) or names no real value",
                sql,
                per_value,
            )
        )

    if column.layout:
        out.append(_declared_layout(source, column))

    identifier_checks = [c for c in column.checks if c in IDENTIFIERS]
    if identifier_checks:
        zh = "或".join(CHECK_NAMES[c][0] for c in identifier_checks)
        en = " or ".join(CHECK_NAMES[c][1] for c in identifier_checks)
        sql = (
            _rejected(source, column, ["bad_check_digit"]) if is_key else _flagged(source, column, ["bad_check_digit"])
        )
        out.append(
            _rule(
                source,
                column,
                "accuracy",
                "check_digit",
                BLOCKING,
                f"{label}校验码错误（{zh}）",
                f"{column.name}: check character wrong ({en})",
                sql,
                per_value,
            )
        )
    if "id_card" in identifier_checks:
        for flag, zh, en in (
            ("lowercase_x", "末位小写x（已转为大写X）", "lower-case x (upper-cased)"),
            ("legacy_15_digit_id", "15位旧号码（已升为18位）", "legacy 15-digit number (converted to 18)"),
        ):
            out.append(
                _rule(
                    source,
                    column,
                    "conformity",
                    flag,
                    WARNING,
                    f"{label}{zh}",
                    f"{column.name}: {en}",
                    _flagged(source, column, [flag]),
                    f"present:{column.name}",
                )
            )
        out.append(_id_birth_date(source, column))
    if "uscc" in identifier_checks:
        out.append(
            _rule(
                source,
                column,
                "conformity",
                "lowercase",
                WARNING,
                f"{label}含小写字母（已转为大写）",
                f"{column.name}: lower-case letters (upper-cased)",
                _flagged(source, column, ["lowercase"]),
                f"present:{column.name}",
            )
        )
    if isinstance(column.check, ConditionalCheck):
        out.append(_check_by(source, column))

    if "region" in column.checks:
        out.append(
            _rule(
                source,
                column,
                "conformity",
                "retired_region_code",
                WARNING,
                f"{label}为已撤销的行政区划代码（已映射为现行代码）",
                f"{column.name}: retired GB/T 2260 code (mapped to its successor)",
                _flagged(source, column, ["retired_region_code"]),
                f"present:{column.name}",
            )
        )
        out.append(
            _rule(
                source,
                column,
                "conformity",
                "region_code",
                BLOCKING,
                f"{label}不是GB/T 2260行政区划代码",
                f"{column.name}: not a GB/T 2260 region code",
                _flagged(source, column, ["unknown_region_code"]),
                f"present:{column.name}",
            )
        )

    for check in (c for c in column.checks if c in FORMATS):
        zh, en = CHECK_NAMES[check]
        out.append(
            _rule(
                source,
                column,
                "conformity",
                check,
                important,
                f"{label}不是有效的{zh}",
                f"{column.name} is not a valid {en}",
                _value_fails(source, column, f"NOT q_{check}_valid(s.{column.name})"),
                f"present:{column.name}",
            )
        )

    codes = registry.codes(column)
    if codes is not None and column.type == "code":
        listed = ", ".join(sql_literal(c) for c in codes)
        list_name = column.codes if isinstance(column.codes, str) else "代码表"
        out.append(
            _rule(
                source,
                column,
                "conformity",
                "code_list",
                important,
                f"{label}不在{list_name}中",
                f"{column.name} is not in its code list",
                _value_fails(source, column, f"s.{column.name} NOT IN ({listed})"),
                f"present:{column.name}",
            )
        )

    if column.range is not None:
        low, high = column.range
        out.append(
            _rule(
                source,
                column,
                "accuracy",
                "range",
                WARNING,
                f"{label}超出取值范围[{low:g}, {high:g}]",
                f"{column.name} outside its range [{low:g}, {high:g}]",
                _value_fails(source, column, f"s.{column.name} NOT BETWEEN {low!r} AND {high!r}"),
                f"present:{column.name}",
            )
        )
    return out


def _declared_layout(source: Source, column: Column) -> Rule:
    """A date that parses but not in its column's declared layout (一标准: the registry's format is
    the interface contract). Staging took the value; the flag says the text deviated. Observed is
    left NULL here: staging keeps no delivered copy of dates, and evaluate.py fills in the raw text
    (what was found) for these rows, as for unparseable ones; detail is the value staged."""
    excel = "；XLSX日期单元格（序列号）亦可" if source.format == "xlsx" else ""
    excel_en = "; an XLSX date cell (serial number) also conforms" if source.format == "xlsx" else ""
    return _rule(
        source,
        column,
        "conformity",
        "declared_layout",
        WARNING,
        f"{_label(column)}未按登记的格式{column.layout}填写（已按所见格式读取入库{excel}）",
        f"{column.name} is not in its declared layout {column.layout} (read in the layout found and staged{excel_en})",
        _staged(
            source, f"s.{column.name}_flag = 'off_layout'", "NULL", f"'staged as ' || CAST(s.{column.name} AS VARCHAR)"
        ),
        f"present:{column.name}",
    )


def _id_birth_date(source: Source, column: Column) -> Rule:
    """docs/identifiers.md#birth-date: the date in an ID number is a real day, not before 1900, not in the
    future - the batch date is "now" for a delivery. Only a valid number is read, and one
    whose staging flag is clear has 17 digits and a real date, so comparing the YYYYMMDD
    text is enough (no date parsing per row). In a "USCC or ID number" column a valid USCC
    is a USCC, even when its digits also pass as an ID number (913716…: "born" in year 61)."""
    born = f"substr(s.{column.name}, 7, 8)"
    where = (
        f"coalesce(s.{column.name}_flag, '') NOT IN ('bad_format', 'bad_check_digit') "
        f"AND ({born} < '19000101' OR {born} > replace(s._batch, '-', ''))"
    )
    if stg.kind(column) == "party_code":
        where += f" AND q_id_card_valid(s.{column.name}) AND NOT q_uscc_valid(s.{column.name})"
    return _rule(
        source,
        column,
        "accuracy",
        "id_birth_date",
        WARNING,
        f"{_label(column)}中的出生日期早于1900年或晚于批次日期",
        f"{column.name}: embedded birth date before 1900 or after the batch date",
        _staged(source, where, masked(source, column, stg.observed(column)), born),
        f"present:{column.name}",
    )


def _check_by(source: Source, column: Column) -> Rule:
    """{by, cases}: the value must be valid as the check the row's `by` value names. A value
    failing every identifier check is the check_digit / format rules' finding; this rule
    reports a well-formed identifier of the wrong kind (a USCC for a 自然人)."""
    cond = column.check
    case = " ".join(f"WHEN {sql_literal(v)} THEN {sql_literal(c)}" for v, c in cond.cases.items())
    expected = f"CASE s.{cond.by} {case} END"
    where = (
        f"s.{column.name} IS NOT NULL "
        f"AND coalesce(s.{column.name}_flag, '') NOT IN ('bad_format', 'bad_check_digit') "
        f"AND NOT q_valid_as(s.{column.name}, {expected})"
    )
    return _rule(
        source,
        column,
        "conformity",
        "check_by",
        BLOCKING,
        f"{_label(column)}与{cond.by}不符：应为{cond.by}对应的证件代码",
        f"{column.name} is not the identifier its {cond.by} requires",
        _staged(
            source, where, masked(source, column, stg.observed(column)), f"s.{cond.by} || ' requires ' || {expected}"
        ),
        f"present:{column.name}",
    )


def _unique_key(source: Source) -> Rule:
    """Two rows of one batch with the same (normalised) key: every row of the group fails."""
    rel = stg.relation(source)
    keys = source.key
    on = " AND ".join(f"s.{k} IS NOT DISTINCT FROM d.{k}" for k in keys)
    sql = (
        f"SELECT s._batch, s._file, s._row_no, {stg.record_key(source)} AS record_key,\n"
        f"       NULL AS observed, 'rows sharing the key: ' || d.n AS detail\n"
        f"FROM {rel} AS s\n"
        f"JOIN (SELECT _batch, {', '.join(keys)}, count(*) AS n FROM {rel}\n"
        f"      WHERE _batch IN ({{batches}}) GROUP BY ALL HAVING count(*) > 1) AS d\n"
        f"  ON s._batch = d._batch AND {on}\n"
        f"WHERE s._batch IN ({{batches}})"
    )
    column = "|".join(keys)
    return _rule(
        source,
        column,
        "accuracy",
        "unique_key",
        BLOCKING,
        f"同一批次中主键（{'、'.join(source.column(k).header for k in keys)}）重复",
        f"key ({', '.join(keys)}) not unique within the batch",
        sql,
        "rows",
    )


def _file_rules(source: Source) -> list[Rule]:
    """Findings read from the ingestion's record files (quality/files.py), not from SQL."""
    return _delivery_rules(source) + _volume_rules(source)


def _volume_rules(source: Source) -> list[Rule]:
    if source.delivery.mode != "full":
        return []
    return [
        _rule(
            source,
            "_batch",
            "completeness",
            "snapshot_volume",
            BLOCKING,
            "全量快照为空或较上一期骤减（将替换上一期全量数据）",
            "full snapshot empty or far smaller than the previous one (it replaces it)",
            None,
            "batches",
        )
    ]


def _delivery_rules(source: Source) -> list[Rule]:
    return [
        _rule(
            source,
            "_row",
            "accessibility",
            "row_readable",
            BLOCKING,
            "记录无法读取，已隔离（字节无法解码、字段数不符或记录格式错误）",
            "row could not be read and was quarantined (undecodable bytes, wrong field count, malformed record)",
            None,
            "read_rows",
        ),
        _rule(
            source,
            "_file",
            "accessibility",
            "file_readable",
            BLOCKING,
            "文件被整体拒收（列与接口不符或无法读取）",
            "file rejected whole (columns differ from the interface, or unreadable)",
            None,
            "files",
        ),
        _rule(
            source,
            "_batch",
            "timeliness",
            "late_batch",
            WARNING,
            f"批次晚于其数据周期开始日交付（更新周期：{source.delivery.cadence}）",
            f"batch delivered after the start of the period it is for ({source.delivery.cadence} delivery)",
            None,
            "batches",
        ),
        _rule(
            source,
            "_batch",
            "completeness",
            "batch_missing",
            WARNING,
            f"缺少应交付的批次（更新周期：{source.delivery.cadence}）",
            f"an expected batch is missing ({source.delivery.cadence} delivery)",
            None,
            "batches",
        ),
    ]
