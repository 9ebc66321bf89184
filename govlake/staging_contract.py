"""What each staging model's columns are, derived from the registry, with bilingual docs.

One rule set, used twice: transform.dbt_sources writes the `_models.yml` files from
it, and tests/integration/test_dbt_staging.py checks the built models against it
(names and DuckDB types), so a hand-written staging model cannot drift from the
registry unnoticed.

The rules (each registry column -> staging columns):
  identifier check (id_card, uscc, licence_id, patent_no, or "uscc or id_card")
      -> <col> normalised text, <col>_delivered as delivered, <col>_flag
  region check  -> <col> current GB/T 2260 code, <col>_delivered, <col>_flag
  date / datetime / integer / decimal -> <col> typed, <col>_flag (a date or date-time read
      from a layout other than its declared one: off_layout)
  GeoJSON column -> <col> text, centroid_lon, centroid_lat, <col>_flag
  period column (YYYY, YYYYQn or YYYY-MM) -> <col>, period_type/_year/_quarter/_month
  anything else -> <col> text (trimmed; blank tokens -> NULL)
plus the lineage columns _batch, _file, _row_no, _ingested_at, _staged_at.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from govlake.registry import Column, Source

GLOSSARY_PATH = Path(__file__).with_name("staging_glossary.yaml")
IDENTIFIER_CHECKS = ("id_card", "uscc", "licence_id", "patent_no")
DECIMAL_TYPE = "DECIMAL(18,6)"
TYPES = {"date": "DATE", "datetime": "TIMESTAMP", "integer": "INTEGER", "decimal": DECIMAL_TYPE}

# Flag values per kind of column, with their meaning (zh, en). A flag is NULL when
# the value is absent or conforms.
FLAGS = {
    "id_card": {
        "lowercase_x": ("小写x已转为大写X", "lower-case x upper-cased"),
        "legacy_15_digit_id": ("15位号码已升为18位", "15-digit number converted to 18 digits"),
        "bad_check_digit": ("校验码错误", "check character does not match"),
        "bad_format": ("格式错误（位数、字符或出生日期）", "wrong length, characters or embedded date"),
    },
    "uscc": {
        "lowercase": ("小写字母已转为大写", "lower-case letters upper-cased"),
        "bad_check_digit": (
            "校验码错误（第17位组织机构代码校验或第18位）",
            "check character wrong (organisation code at 17 or the final one)",
        ),
        "bad_format": ("格式错误", "not 18 characters of the GB 32100 alphabet"),
    },
    "licence_id": {
        "bad_check_digit": ("校验码错误（ISO/IEC 7064 MOD 37,36）", "check character wrong (ISO/IEC 7064 MOD 37,36)"),
        "bad_format": ("格式错误", "not the GB/T 36904 layout"),
    },
    "patent_no": {
        "bad_check_digit": ("校验码错误", "check character wrong"),
        "bad_format": ("格式错误（含专利类型位）", "not CN + 12 digits + check, or type digit not 1-3"),
    },
    "region": {
        "retired_region_code": (
            "批次日期时已撤销的区划代码，已映射为现行代码",
            "code retired at the batch date; mapped to its current successor",
        ),
        "unknown_region_code": ("代码表中不存在的区划代码", "code not in the GB/T 2260 code table"),
    },
    "date": {
        "impossible_date": ("日期不存在（如2月30日），置空", "no such calendar date (e.g. Feb 30); set to NULL"),
        "bad_format": ("无法识别的日期格式，置空", "unrecognised date layout; set to NULL"),
        "off_layout": (
            "未按登记的格式填写，已按所见格式读取",
            "not in the layout the registry declares; read in the layout found",
        ),
    },
    "number": {"bad_format": ("不是数字，置空", "not a number; set to NULL")},
    "geometry": {"bad_geojson": ("不是有效的GeoJSON多边形", "not a valid GeoJSON Polygon")},
}
FLAGS["datetime"] = FLAGS["date"]
FLAGS["party_code"] = {**FLAGS["id_card"], **FLAGS["uscc"]}

LINEAGE = [
    ("_batch", "VARCHAR", "批次日期（YYYY-MM-DD）", "Batch date (YYYY-MM-DD) the row was delivered in"),
    ("_file", "VARCHAR", "交付文件名", "Delivered file the row came from"),
    ("_row_no", "BIGINT", "文件内记录序号（从1起）", "1-based record number in its file"),
    ("_ingested_at", "TIMESTAMP WITH TIME ZONE", "入湖时间", "Time the batch was ingested into raw"),
    ("_staged_at", "TIMESTAMP", "入暂存层时间（dbt运行开始时间）", "Start time of the dbt run that staged the row"),
]


@dataclass(frozen=True)
class StagingColumn:
    name: str
    data_type: str  # as DuckDB's information_schema reports it
    zh: str
    en: str
    origin: str | None = None  # the registry column it comes from
    role: str = "value"  # value | delivered | flag | derived | lineage

    @property
    def description(self) -> str:
        return f"{self.zh} — {self.en}"


@lru_cache(maxsize=1)
def glossary() -> dict:
    return yaml.safe_load(GLOSSARY_PATH.read_text(encoding="utf-8"))


def _has_cjk(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def chinese_name(source: Source, column: Column) -> str:
    """The Chinese header where the file has one, else the glossary's name for the pinyin key."""
    if _has_cjk(column.header):
        return column.header
    try:
        return glossary()["zh"][f"{source.id}.{column.name}"]
    except KeyError:
        raise KeyError(f"staging_glossary.yaml has no zh entry for {source.id}.{column.name}") from None


def english_name(source: Source, column: Column) -> str:
    cols = glossary()["columns"]
    try:
        return cols.get(f"{source.id}.{column.name}") or cols[column.name]
    except KeyError:
        raise KeyError(f"staging_glossary.yaml has no English entry for column {column.name}") from None


def english_title(source: Source) -> str:
    return glossary()["sources"][source.id]


def column_kind(column: Column) -> str:
    """Which staging rule applies: party_code, id_card, uscc, licence_id, patent_no,
    region, date, datetime, integer, decimal, geometry, period or text."""
    ids = [c for c in column.checks if c in IDENTIFIER_CHECKS]
    if len(ids) > 1:
        return "party_code"
    if ids:
        return ids[0]
    if "region" in column.checks:
        return "region"
    if column.type in TYPES:
        return column.type
    fmt = column.format or ""
    if fmt.startswith("GeoJSON"):
        return "geometry"
    if "YYYYQn" in fmt:
        return "period"
    return "text"


def _flag_doc(kind: str) -> tuple[str, str]:
    flags = FLAGS["number" if kind in ("integer", "decimal") else kind]
    zh = "；".join(f"{k} {zh}" for k, (zh, _) in flags.items())
    en = "; ".join(f"{k}: {en}" for k, (_, en) in flags.items())
    return zh, en


def staging_columns(source: Source) -> list[StagingColumn]:
    out: list[StagingColumn] = []
    for col in source.columns:
        zh, en, kind = chinese_name(source, col), english_name(source, col), column_kind(col)
        name = col.name
        flag_zh, flag_en = _flag_doc(kind) if kind not in ("text", "period") else ("", "")
        flag = StagingColumn(
            f"{name}_flag", "VARCHAR", f"{zh} 标记：{flag_zh}", f"{en}: flag — {flag_en}", name, "flag"
        )
        delivered = StagingColumn(
            f"{name}_delivered", "VARCHAR", f"{zh}（原始交付值）", f"{en}, exactly as delivered", name, "delivered"
        )
        if kind in ("party_code", *IDENTIFIER_CHECKS):
            norm = {
                "id_card": "去空格、x转X、15位升18位",
                "uscc": "去空格、转大写",
                "party_code": "按格式识别身份证号或统一社会信用代码后规范化",
            }.get(kind, "去空格、转大写")
            out += [
                StagingColumn(name, "VARCHAR", f"{zh}（已规范化：{norm}）", f"{en}, normalised", name),
                delivered,
                flag,
            ]
        elif kind == "region":
            out += [
                StagingColumn(
                    name,
                    "VARCHAR",
                    f"{zh}（现行代码；已撤销代码映射为继任代码）",
                    f"{en}: the current code (a retired code is mapped to its successor)",
                    name,
                ),
                delivered,
                flag,
            ]
        elif kind in TYPES:
            out += [StagingColumn(name, TYPES[kind], zh, en, name), flag]
        elif kind == "geometry":
            out += [
                StagingColumn(name, "VARCHAR", zh, en, name),
                StagingColumn(
                    "centroid_lon", "DOUBLE", "多边形质心经度", "Longitude of the polygon's centroid", name, "derived"
                ),
                StagingColumn(
                    "centroid_lat", "DOUBLE", "多边形质心纬度", "Latitude of the polygon's centroid", name, "derived"
                ),
                StagingColumn(
                    f"{name}_flag", "VARCHAR", f"{zh} 标记：{flag_zh}", f"{en}: flag — {flag_en}", name, "flag"
                ),
            ]
        elif kind == "period":
            out += [
                StagingColumn(name, "VARCHAR", zh, en, name),
                StagingColumn(
                    "period_type",
                    "VARCHAR",
                    "统计期类型：year 年 / quarter 季 / month 月",
                    "Kind of period: year, quarter or month",
                    name,
                    "derived",
                ),
                StagingColumn("period_year", "INTEGER", "统计期年份", "Year of the period", name, "derived"),
                StagingColumn(
                    "period_quarter",
                    "INTEGER",
                    "统计期季度（仅季度数据）",
                    "Quarter 1-4 (quarterly periods only)",
                    name,
                    "derived",
                ),
                StagingColumn(
                    "period_month",
                    "INTEGER",
                    "统计期月份（仅月度数据）",
                    "Month 1-12 (monthly periods only)",
                    name,
                    "derived",
                ),
            ]
        else:
            out.append(StagingColumn(name, "VARCHAR", zh, en, name))
    out += [StagingColumn(n, t, zh, en, None, "lineage") for n, t, zh, en in LINEAGE]
    return out


def model_name(source: Source) -> str:
    return f"stg_{source.department}__{source.entity}"
