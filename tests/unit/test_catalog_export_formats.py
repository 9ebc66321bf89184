"""The directory's exports (catalog/export/) on a small hand-made warehouse: what leaves the lake is
the published directory, in JSON valid against its schema, the 目录编制 form as CSV and XLSX, and
DCAT that parses back. The directory is published by the real versioning code (record_build,
approve): only its resources and 信息项 are written by hand."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime

import duckdb
import jsonschema
import pyarrow as pa
import pytest
from openpyxl import load_workbook
from rdflib import Graph, Literal, Namespace
from rdflib.namespace import DCTERMS, FOAF, OWL, RDF, SKOS
from typer.testing import CliRunner

from catalog.export import export_directory
from catalog.export.dcat import load_config
from catalog.export.files import replacing
from catalog.export.json_export import SCHEMA
from catalog.export.reader import read_published
from catalog.export.table_export import form_rows, load_form
from catalog.model import CADENCE_CYCLE
from catalog.review import approve, pending, record_build
from catalog.store import ITEMS, RESOURCES, SQL_DIR
from catalog.versions import GRADE, OPENING, SENSITIVITY, SHARING, state
from conductor.cli import app
from govlake import audit

# rdflib's own DCAT warns when pytest looks the module over for fixtures
DCAT = Namespace("http://www.w3.org/ns/dcat#")
ACCESS = Namespace("http://publications.europa.eu/resource/authority/access-right/")
FREQUENCY = Namespace("http://publications.europa.eu/resource/authority/frequency/")
BUREAU_USCC = "11371600MB1E51638K"  # 滨州市大数据局 in the registry: the catalog's publisher
POLICE = ("gaj", "滨州市公安局", "11371600004363212F")
MARKET = ("scjg", "滨州市市场监督管理局", "11371600MB28482166")


def _resource(code: str, name: str, **fields) -> dict:
    row = {k: None for k in RESOURCES}
    row.update(
        code=code, name=name, kind="curated", **{"class": int(code[0])}, class_name="基础", item=code[1:3],
        item_name="人口", catalog=code[3:6], catalog_name="人员", sequence=int(code[-6:]), title=f"{name}的标题",
        title_en=f"{name} title", providers=[POLICE[0]], provider_names=[POLICE[1]], provider_usccs=[POLICE[2]],
        summary=f"{name}的摘要", format="库表", sharing="有条件共享", sharing_condition="仅限政务部门依法履职使用",
        sharing_method="数据库表共享", opening="不予开放", update_cycle="每日", grade="重要数据",
        published_at="2026-12-01", related=[], upstream=[], downstream=[], sources=[], rows=10,
        last_refresh="2026-12-01 08:00:00", quality_overall=99.5, built_at="2026-12-01 08:00:00",
    )  # fmt: skip
    row.update(fields)
    return row


def _items(code: str, *specs: tuple[str, str, str]) -> list[dict]:
    """(column name, Chinese name, sensitivity) → rows of catalog.items."""
    return [
        {"resource_code": code, "position": n, "name": name, "name_zh": zh, "name_en": name.replace("_", " "),
         "type_code": "C", "sensitivity": sensitivity, "grade": "重要数据", "data_type": "VARCHAR"}
        for n, (name, zh, sensitivity) in enumerate(specs, start=1)
    ]  # fmt: skip


PERSON = _resource("101001/000001", "person", related=["102001/000001"])
PERSON_ITEMS = _items("101001/000001", ("person_id", "人员标识", "敏感个人信息"), ("gender", "性别", "个人信息"))
ENTERPRISE = _resource(
    "102001/000001", "enterprise", item="02", item_name="法人单位", catalog_name="企业", sharing="无条件共享",
    sharing_condition=None, opening="无条件开放", grade="一般数据", update_cycle="每半年",
    providers=[MARKET[0], POLICE[0]], provider_names=[MARKET[1], POLICE[1]], provider_usccs=[MARKET[2], POLICE[2]],
)  # fmt: skip
ENTERPRISE_ITEMS = _items(
    "102001/000001", ("uscc", "统一社会信用代码", "非个人信息"), ("name", "企业名称", "非个人信息")
)


def _build(lake, resources: list[dict], items: list[dict], at: str = "2026-12-01 08:00:00") -> dict:
    """What `govlake catalog build` leaves: catalog.resources and catalog.items as given, and the
    build recorded against the published directory (the first build publishes everything)."""
    lake.home.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(lake.warehouse))
    try:
        con.execute((SQL_DIR / "schema.sql").read_text(encoding="utf-8"))
        for table, rows, schema in (("resources", resources, RESOURCES), ("items", items, ITEMS)):
            arrow = pa.table({k: pa.array([r[k] for r in rows], type=t) for k, t in schema.items()})
            con.register("_rows", arrow)
            con.execute(f"CREATE OR REPLACE TABLE catalog.{table} AS SELECT * FROM _rows")
            con.unregister("_rows")
        states = {r["code"]: state(r, [i for i in items if i["resource_code"] == r["code"]]) for r in resources}
        return record_build(con, states, datetime.fromisoformat(at))
    finally:
        con.close()


@pytest.fixture
def published(lake):
    """Two resources, published as version 1."""
    _build(lake, [PERSON, ENTERPRISE], PERSON_ITEMS + ENTERPRISE_ITEMS)
    return lake


def _export(lake, *formats, out=None):
    out = out or lake.home / "export"
    export_directory(lake, formats or ["all"], out)
    return out


def _csv(out) -> list[dict]:
    return list(csv.DictReader(io.StringIO((out / "directory.csv").read_text(encoding="utf-8-sig"))))


def _xlsx_rows(out) -> list[dict]:
    ws = load_workbook(out / "directory.xlsx")["信息资源目录"]
    header = [c.value.split("\n")[0] for c in ws[1]]
    return [dict(zip(header, (c.value for c in row))) for row in ws.iter_rows(min_row=2)]


def _dcat(out, fmt: str) -> Graph:
    name = {"turtle": "directory.ttl", "json-ld": "directory.jsonld"}[fmt]
    return Graph().parse(out / name, format=fmt)


def _dataset(g: Graph, code: str):
    (node,) = g.subjects(DCTERMS.identifier, Literal(code))
    return node


def _validator() -> jsonschema.Draft202012Validator:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)


# --- JSON and its schema ---------------------------------------------------------------------


def test_the_json_export_is_valid_against_the_schema_kept_in_the_repo(published):
    out = _export(published, "json")
    doc = json.loads((out / "directory.json").read_text(encoding="utf-8"))
    assert list(_validator().iter_errors(doc)) == []
    assert [r["code"] for r in doc["resources"]] == ["101001/000001", "102001/000001"]
    assert json.loads((out / "directory.schema.json").read_text(encoding="utf-8")) == json.loads(SCHEMA.read_text())


def test_the_schema_refuses_a_code_out_of_pattern_an_unknown_sharing_and_an_unknown_field(published):
    doc = json.loads((_export(published, "json") / "directory.json").read_text(encoding="utf-8"))
    resource = doc["resources"][0]
    resource.update(code="1010001/1", sharing="随便共享", colour="red")
    messages = " ".join(e.message for e in _validator().iter_errors(doc))
    assert "1010001/1" in messages and "随便共享" in messages and "colour" in messages


def test_the_schema_enumerates_the_directory_vocabulary():
    defs = json.loads(SCHEMA.read_text(encoding="utf-8"))["$defs"]
    resource, item, grade = defs["resource"]["properties"], defs["item"]["properties"], defs["grade"]
    assert set(resource["sharing"]["enum"]) == set(SHARING)
    assert set(resource["opening"]["enum"]) == set(OPENING)
    assert set(grade["enum"]) == set(GRADE)
    assert set(item["sensitivity"]["enum"]) == set(SENSITIVITY)
    assert set(CADENCE_CYCLE.values()) <= set(resource["update_cycle"]["enum"])


# --- what leaves the lake: the published directory -------------------------------------------


def test_a_change_held_for_review_is_in_no_export_while_the_published_value_is(published):
    wider = _resource(**{**PERSON, "sharing": "无条件共享", "opening": "有条件开放"})
    assert _build(published, [wider, ENTERPRISE], PERSON_ITEMS + ENTERPRISE_ITEMS)["pending"] == 2
    out = _export(published)
    doc = json.loads((out / "directory.json").read_text(encoding="utf-8"))
    person = next(r for r in doc["resources"] if r["code"] == "101001/000001")
    assert (person["sharing"], person["opening"]) == ("有条件共享", "不予开放")
    assert {(r["共享属性"], r["开放属性"]) for r in _csv(out) if r["资源代码"] == "101001/000001"} == {
        ("有条件共享", "不予开放")
    }
    assert {(r["共享属性"], r["开放属性"]) for r in _xlsx_rows(out) if r["资源代码"] == "101001/000001"} == {
        ("有条件共享", "不予开放")
    }
    for fmt in ("turtle", "json-ld"):
        g = _dcat(out, fmt)
        assert g.value(_dataset(g, "101001/000001"), DCTERMS.accessRights) == ACCESS.NON_PUBLIC


def test_an_approved_change_is_exported_with_the_new_directory_version(published):
    wider = _resource(**{**PERSON, "opening": "有条件开放"})
    _build(published, [wider, ENTERPRISE], PERSON_ITEMS + ENTERPRISE_ITEMS)
    (change,) = pending(published)
    assert approve(published, change["change_id"], "数据管理员-赵") == 2
    out = _export(published)
    doc = json.loads((out / "directory.json").read_text(encoding="utf-8"))
    assert doc["version"] == 2 and doc["resources"][0]["opening"] == "有条件开放"
    assert {r["目录版本"] for r in _csv(out)} == {"2"}
    assert {r["目录版本"] for r in _xlsx_rows(out)} == {2}
    g = _dcat(out, "turtle")
    assert str(next(g.objects(None, OWL.versionInfo))) == "2"
    assert g.value(_dataset(g, "101001/000001"), DCTERMS.accessRights) == ACCESS.RESTRICTED


def test_a_resource_whose_addition_waits_is_not_exported_nor_linked_to(published):
    patent = _resource("204001/000001", "patent", sharing="无条件共享", sharing_condition=None, opening="无条件开放")
    person = _resource(**{**PERSON, "related": ["102001/000001", "204001/000001"]})
    items = _items("204001/000001", ("patent_no", "专利号", "非个人信息"))
    assert _build(published, [person, ENTERPRISE, patent], PERSON_ITEMS + ENTERPRISE_ITEMS + items)["pending"] == 1
    directory = read_published(published)
    assert [r["code"] for r in directory.resources] == ["101001/000001", "102001/000001"]
    assert directory.resources[0]["related"] == ["102001/000001"]


def test_an_item_whose_addition_waits_is_not_exported(published):
    mobile = _items("101001/000001", ("person_id", "人员标识", "敏感个人信息"), ("gender", "性别", "个人信息"),
                    ("mobile", "联系电话", "敏感个人信息"))  # fmt: skip
    assert _build(published, [PERSON, ENTERPRISE], mobile + ENTERPRISE_ITEMS)["pending"] == 1
    out = _export(published, "json", "csv")
    doc = json.loads((out / "directory.json").read_text(encoding="utf-8"))
    assert [i["name"] for i in doc["resources"][0]["items"]] == ["person_id", "gender"]
    assert "mobile" not in {r["字段名"] for r in _csv(out)}


def test_an_id_number_typed_into_a_summary_is_masked_in_every_export(lake):
    careless = _resource(**{**PERSON, "summary": "示例：370102199003071234，联系13912345678"})
    _build(lake, [careless, ENTERPRISE], PERSON_ITEMS + ENTERPRISE_ITEMS)
    out = _export(lake)
    for name in ("directory.json", "directory.csv", "directory.jsonld", "directory.ttl"):
        text = (out / name).read_text(encoding="utf-8-sig")
        assert "370102199003071234" not in text and "13912345678" not in text, name
        assert "370102********1234" in text and "139****5678" in text, name
    assert {r["资源摘要"] for r in _xlsx_rows(out)} >= {"示例：370102********1234，联系139****5678"}


# --- the 目录编制 form: CSV and XLSX ---------------------------------------------------------


def test_the_csv_is_utf8_with_a_bom_chinese_headers_and_one_row_per_item(published):
    out = _export(published, "csv")
    raw = (out / "directory.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = _csv(out)
    assert list(rows[0])[:3] == ["目录版本", "资源代码", "资源名称"]
    assert [(r["资源代码"], r["字段名"]) for r in rows] == [
        ("101001/000001", "person_id"), ("101001/000001", "gender"), ("102001/000001", "uscc"),
        ("102001/000001", "name"),
    ]  # fmt: skip
    enterprise = rows[2]
    assert enterprise["资源提供方"] == "滨州市市场监督管理局；滨州市公安局"
    assert enterprise["提供方统一社会信用代码"] == f"{MARKET[2]}；{POLICE[2]}"
    assert (enterprise["信息项名称"], enterprise["敏感程度"]) == ("统一社会信用代码", "非个人信息")


def test_a_resource_without_items_keeps_its_row_in_the_form(lake):
    _build(lake, [PERSON, ENTERPRISE], PERSON_ITEMS)
    out = _export(lake, "csv", "xlsx")
    for rows in (_csv(out), _xlsx_rows(out)):
        (enterprise,) = [r for r in rows if r["资源代码"] == "102001/000001"]
        assert enterprise["资源名称"] == "enterprise的标题" and enterprise["字段名"] in ("", None)


def test_a_form_column_naming_no_field_fails_instead_of_staying_empty(published, tmp_path):
    form = tmp_path / "form.yaml"
    form.write_text("columns: [{key: summmary, zh: 资源摘要, en: summary}]\nseparator: ；\n", encoding="utf-8")
    with pytest.raises(KeyError, match="summmary"):
        form_rows(read_published(published), load_form(form))


def test_formula_like_text_in_the_csv_gets_an_apostrophe(lake):
    hostile = _resource(**{**PERSON, "summary": '=HYPERLINK("http://x","点我")', "title_en": "+1", "name": "@p"})
    _build(lake, [hostile, ENTERPRISE], PERSON_ITEMS + ENTERPRISE_ITEMS)
    row = _csv(_export(lake, "csv"))[0]
    assert row["资源摘要"] == '\'=HYPERLINK("http://x","点我")'
    assert row["资源英文名称"] == "'+1"
    assert row["信息项序号"] == "1"  # a number is a number


def test_the_xlsx_header_is_frozen_filtered_and_chinese_with_english_below(published):
    out = _export(published, "xlsx")
    ws = load_workbook(out / "directory.xlsx")["信息资源目录"]
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == f"A1:{ws.cell(row=1, column=ws.max_column).column_letter}5"
    assert ws["B1"].value == "资源代码\nresource code"
    assert ws.max_row == 1 + len(PERSON_ITEMS) + len(ENTERPRISE_ITEMS)


def test_formula_like_text_in_the_xlsx_is_a_string_cell(lake):
    hostile = _resource(**{**PERSON, "summary": "=1+2"})
    _build(lake, [hostile, ENTERPRISE], PERSON_ITEMS + ENTERPRISE_ITEMS)
    ws = load_workbook(_export(lake, "xlsx") / "directory.xlsx")["信息资源目录"]
    column = [c.value for c in ws[1]].index("资源摘要\nsummary") + 1
    cell = ws.cell(row=2, column=column)
    assert (cell.value, cell.data_type) == ("=1+2", "s")


# --- DCAT --------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["turtle", "json-ld"])
def test_dcat_parses_back_with_every_resource_its_publisher_uscc_and_access_rights(published, fmt):
    g = _dcat(_export(published, "dcat"), fmt)
    (catalog,) = g.subjects(RDF.type, DCAT.Catalog)
    assert set(g.objects(catalog, DCAT.dataset)) == set(g.subjects(RDF.type, DCAT.Dataset))
    assert str(g.value(g.value(catalog, DCTERMS.publisher), DCTERMS.identifier)) == BUREAU_USCC
    expected = {"101001/000001": (POLICE, ACCESS.NON_PUBLIC), "102001/000001": (MARKET, ACCESS.PUBLIC)}
    for code, (provider, access) in expected.items():
        ds = _dataset(g, code)
        publisher = g.value(ds, DCTERMS.publisher)
        assert (publisher, RDF.type, FOAF.Organization) in g
        assert str(g.value(publisher, FOAF.name)) == provider[1]
        assert str(g.value(publisher, DCTERMS.identifier)) == provider[2]
        assert g.value(ds, DCTERMS.accessRights) == access
        assert {t.language for t in g.objects(ds, DCTERMS.title)} == {"zh", "en"}
    contributors = g.objects(_dataset(g, "102001/000001"), DCTERMS.contributor)
    assert [str(g.value(c, DCTERMS.identifier)) for c in contributors] == [POLICE[2]]


def test_dcat_maps_every_update_cycle_and_opening_the_schema_allows():
    resource = json.loads(SCHEMA.read_text(encoding="utf-8"))["$defs"]["resource"]["properties"]
    config = load_config()
    assert set(config["frequency"]) == set(resource["update_cycle"]["enum"])
    assert set(config["access_rights"]) == set(resource["opening"]["enum"])
    assert set(config["delivered"]) == set(resource["delivery_format"]["enum"]) - {None}


def test_the_dcat_catalog_carries_its_version_and_when_it_was_published_in_utc(published):
    g = _dcat(_export(published, "dcat"), "turtle")
    (catalog,) = g.subjects(RDF.type, DCAT.Catalog)
    assert str(g.value(catalog, OWL.versionInfo)) == "1"
    assert g.value(catalog, DCTERMS.issued).toPython() == datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


def test_dcat_maps_the_update_cycle_to_the_eu_frequency_vocabulary(published):
    g = _dcat(_export(published, "dcat"), "turtle")
    assert g.value(_dataset(g, "101001/000001"), DCTERMS.accrualPeriodicity) == FREQUENCY.DAILY
    assert g.value(_dataset(g, "102001/000001"), DCTERMS.accrualPeriodicity) == FREQUENCY.BIANNUAL


def test_dcat_theme_is_the_catalog_concept_under_its_item_and_class(published):
    g = _dcat(_export(published, "dcat"), "turtle")
    theme = g.value(_dataset(g, "102001/000001"), DCAT.theme)
    item = g.value(theme, SKOS.broader)
    top = g.value(item, SKOS.broader)
    labels = [str(g.value(c, SKOS.prefLabel)) for c in (theme, item, top)]
    assert labels == ["企业", "法人单位", "基础"]
    assert [str(g.value(c, SKOS.notation)) for c in (theme, item, top)] == ["102001", "102", "1"]
    assert g.value(top, SKOS.topConceptOf) == g.value(theme, SKOS.inScheme)


def test_dcat_offers_a_table_as_parquet(published):
    g = _dcat(_export(published, "dcat"), "turtle")
    dist = g.value(_dataset(g, "101001/000001"), DCAT.distribution)
    assert str(g.value(dist, DCTERMS.format)).endswith("/file-type/PARQUET")
    assert str(g.value(dist, DCAT.mediaType)).endswith("/application/vnd.apache.parquet")


# --- the command: formats, files, audit --------------------------------------------------------


def _cli(*args, lake):
    return CliRunner().invoke(app, ["catalog", "export", *args, "--home", str(lake.home)], env={"COLUMNS": "200"})


def test_the_export_is_recorded_in_the_audit_log_with_its_version_and_files(published, tmp_path):
    ran = _cli("--format", "json", "-f", "dcat", "--out", str(tmp_path / "out"), lake=published)
    assert ran.exit_code == 0, ran.output
    records = [r for f in audit.log_files(published) for r in map(json.loads, f.read_text().splitlines())]
    (rec,) = [r for r in records if r["action"] == "export.catalog"]
    assert (rec["outcome"], rec["subject"], rec["details"]["version"]) == ("ok", str(tmp_path / "out"), 1)
    assert sorted(rec["details"]["files"]) == sorted(
        str(tmp_path / "out" / n)
        for n in ("directory.json", "directory.schema.json", "directory.jsonld", "directory.ttl")
    )


def test_without_a_format_every_format_is_written(published, tmp_path):
    ran = _cli("--out", str(tmp_path / "out"), lake=published)
    assert ran.exit_code == 0, ran.output
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "directory.csv", "directory.json", "directory.jsonld", "directory.schema.json", "directory.ttl",
        "directory.xlsx",
    ]  # fmt: skip


def test_an_unknown_format_is_refused_naming_the_choices(published):
    ran = _cli("--format", "xml", lake=published)
    assert ran.exit_code == 2
    assert "xml" in ran.output and "json, csv, xlsx, dcat or all" in ran.output


def test_without_a_directory_the_export_says_what_to_run_and_is_audited_as_failed(lake):
    lake.home.mkdir(parents=True)
    duckdb.connect(str(lake.warehouse)).close()
    ran = _cli(lake=lake)
    assert ran.exit_code == 1 and "govlake catalog build" in ran.output
    records = [json.loads(line) for f in audit.log_files(lake) for line in f.read_text().splitlines()]
    assert [(r["action"], r["outcome"]) for r in records] == [("export.catalog", "failed")]


def test_a_value_dcat_cannot_map_stops_the_export_naming_it_and_leaves_the_old_files(published, tmp_path):
    out = _export(published, "dcat", out=tmp_path / "out")
    before = (out / "directory.ttl").read_bytes()
    odd = _resource(**{**ENTERPRISE, "format": "接口"})
    _build(published, [PERSON, odd], PERSON_ITEMS + ENTERPRISE_ITEMS)
    ran = _cli("-f", "dcat", "--out", str(out), lake=published)
    assert ran.exit_code == 1
    assert "102001/000001" in ran.output and "接口" in ran.output
    assert (out / "directory.ttl").read_bytes() == before
    assert [p.name for p in out.iterdir() if p.name.endswith(".tmp")] == []


def test_a_write_that_fails_halfway_leaves_the_old_file_and_no_temporary_one(tmp_path):
    path = tmp_path / "directory.csv"
    path.write_text("old export", encoding="utf-8")
    with pytest.raises(RuntimeError), replacing(path) as tmp:
        tmp.write_text("half an exp", encoding="utf-8")
        raise RuntimeError("disk full")
    assert path.read_text(encoding="utf-8") == "old export"
    assert list(tmp_path.iterdir()) == [path]


def test_an_export_replaces_a_symlink_in_the_out_directory_instead_of_writing_through_it(published, tmp_path):
    elsewhere = tmp_path / "elsewhere.json"
    elsewhere.write_text("not the lake's", encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    (out / "directory.json").symlink_to(elsewhere)
    _export(published, "json", out=out)
    assert elsewhere.read_text(encoding="utf-8") == "not the lake's"
    assert not (out / "directory.json").is_symlink()
    assert json.loads((out / "directory.json").read_text(encoding="utf-8"))["version"] == 1


def test_a_failed_exports_audit_record_names_the_error_and_the_files_it_did_write(published, tmp_path):
    odd = _resource(**{**ENTERPRISE, "update_cycle": "每两年"})
    _build(published, [PERSON, odd], PERSON_ITEMS + ENTERPRISE_ITEMS)
    ran = _cli("-f", "csv", "-f", "dcat", "--out", str(tmp_path), lake=published)
    assert ran.exit_code == 1 and "每两年" in ran.output
    records = [json.loads(line) for f in audit.log_files(published) for line in f.read_text().splitlines()]
    (rec,) = [r for r in records if r["action"] == "export.catalog"]
    assert rec["outcome"] == "failed" and "每两年" in rec["details"]["error"]
    assert rec["details"]["files"] == [str(tmp_path / "directory.csv")]
