"""The directory exports of a generated city, built by `govlake run` with real dbt and DuckDB:
every published resource in every format (JSON valid against its schema, the 目录编制 form,
DCAT parsed back), a change held for review in none of them until a steward approves it, and
each export audited."""

from __future__ import annotations

import csv
import io
import json
import shutil

import jsonschema
import pytest
import yaml
from openpyxl import load_workbook
from rdflib import Graph, Literal, Namespace
from rdflib.namespace import DCTERMS, RDF
from typer.testing import CliRunner

from catalog.config import SOURCES_PATH
from catalog.export.json_export import SCHEMA
from catalog.store import build_directory
from conductor.cli import app
from govlake import audit
from govlake.settings import Lake
from tests.lake_fixtures import run_generated_city
from tests.lake_fixtures import warehouse_rows as _rows

pytestmark = pytest.mark.slow

PERSONS, SEED = 400, 5
DCAT = Namespace("http://www.w3.org/ns/dcat#")  # rdflib's own DCAT warns when pytest looks the module over
ACCESS = Namespace("http://publications.europa.eu/resource/authority/access-right/")
FILE_TYPE = Namespace("http://publications.europa.eu/resource/authority/file-type/")
PUBLIC = {"无条件开放": ACCESS.PUBLIC, "有条件开放": ACCESS.RESTRICTED, "不予开放": ACCESS.NON_PUBLIC}


def _cli(*args, lake):
    return CliRunner().invoke(app, [*args, "--home", str(lake.home)], env={"COLUMNS": "200"})


def _export(lake: Lake, out):
    ran = _cli("catalog", "export", "--out", str(out), lake=lake)
    assert ran.exit_code == 0, ran.output
    return out


def _published(lake: Lake) -> dict[str, dict]:
    return {r["code"]: json.loads(r["state"]) for r in _rows(lake, "SELECT code, state FROM catalog.published")}


@pytest.fixture(scope="module")
def city(tmp_path_factory):
    root = tmp_path_factory.mktemp("export")
    lake, _ = run_generated_city(root, PERSONS, SEED)
    yield {"lake": lake, "out": _export(lake, root / "export"), "root": root}
    shutil.rmtree(root, ignore_errors=True)


def test_the_json_export_is_valid_against_its_schema_and_holds_every_published_resource(city):
    doc = json.loads((city["out"] / "directory.json").read_text(encoding="utf-8"))
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
    errors = [f"{e.json_path}: {e.message}" for e in validator.iter_errors(doc)]
    assert errors == []
    published = _published(city["lake"])
    assert {r["code"] for r in doc["resources"]} == set(published)
    for r in doc["resources"]:
        assert {i["name"] for i in r["items"]} == set(published[r["code"]]["items"]), r["code"]


def test_the_csv_and_the_xlsx_have_one_row_per_published_item(city):
    expected = sorted((code, name) for code, s in _published(city["lake"]).items() for name in s["items"])
    text = (city["out"] / "directory.csv").read_text(encoding="utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert sorted((r["资源代码"], r["字段名"]) for r in rows) == expected
    ws = load_workbook(city["out"] / "directory.xlsx", read_only=True)["信息资源目录"]
    header = [c.split("\n")[0] for c in next(ws.iter_rows(max_row=1, values_only=True))]
    code, column = header.index("资源代码"), header.index("字段名")
    assert sorted((r[code], r[column]) for r in ws.iter_rows(min_row=2, values_only=True)) == expected


@pytest.mark.parametrize(("name", "fmt"), [("directory.ttl", "turtle"), ("directory.jsonld", "json-ld")])
def test_dcat_parses_back_with_every_resource_its_publisher_uscc_and_access_rights(city, name, fmt):
    g = Graph().parse(city["out"] / name, format=fmt)
    resources = _rows(city["lake"], "SELECT code, name, provider_usccs, opening FROM catalog.resources")
    published = _published(city["lake"])
    datasets = {str(g.value(ds, DCTERMS.identifier)): ds for ds in g.subjects(RDF.type, DCAT.Dataset)}
    assert set(datasets) == set(published)
    for r in resources:
        ds = datasets[r["code"]]
        assert str(g.value(g.value(ds, DCTERMS.publisher), DCTERMS.identifier)) == r["provider_usccs"][0]
        assert g.value(ds, DCTERMS.accessRights) == PUBLIC[published[r["code"]]["opening"]], r["name"]
    parcel = next(r["code"] for r in resources if r["name"] == "zrzy.land_parcel")
    assert g.value(g.value(datasets[parcel], DCAT.distribution), DCTERMS.format) == FILE_TYPE.GEOJSON


def test_the_export_is_recorded_in_the_audit_log(city):
    records = [json.loads(line) for f in audit.log_files(city["lake"]) for line in f.read_text().splitlines()]
    exports = [r for r in records if r["action"] == "export.catalog"]
    (rec,) = [r for r in exports if r["subject"] == str(city["out"])]  # this test's; govlake run exported too
    assert rec["outcome"] == "ok" and rec["details"]["version"] == 1
    assert any(r["subject"] == str(city["lake"].catalog / "export") for r in exports)
    assert len(rec["details"]["files"]) == 6


def _sharing_everywhere(out, code: str) -> set[str]:
    """The 共享属性 of a resource in the JSON, the CSV and the XLSX export."""
    doc = json.loads((out / "directory.json").read_text(encoding="utf-8"))
    found = {r["sharing"] for r in doc["resources"] if r["code"] == code}
    rows = csv.DictReader(io.StringIO((out / "directory.csv").read_text(encoding="utf-8-sig")))
    found |= {r["共享属性"] for r in rows if r["资源代码"] == code}
    ws = load_workbook(out / "directory.xlsx", read_only=True)["信息资源目录"]
    header = [c.split("\n")[0] for c in next(ws.iter_rows(max_row=1, values_only=True))]
    at, sharing = header.index("资源代码"), header.index("共享属性")
    found |= {r[sharing] for r in ws.iter_rows(min_row=2, values_only=True) if r[at] == code}
    return found


# last: it changes the city's directory
def test_a_widening_change_is_in_no_export_until_a_steward_approves_it(city, tmp_path):
    lake = city["lake"]
    raw = yaml.safe_load(SOURCES_PATH.read_text(encoding="utf-8"))
    raw["sources"]["gaj.household_register"].update(sharing="无条件共享", opening="无条件开放")
    path = tmp_path / "sources.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    assert build_directory(lake, sources_path=path).pending == 2
    (code,) = [
        r["code"] for r in _rows(lake, "SELECT code FROM catalog.resources WHERE name = 'gaj.household_register'")
    ]

    held = _export(lake, tmp_path / "held")
    assert _sharing_everywhere(held, code) == {"有条件共享"}
    g = Graph().parse(held / "directory.ttl", format="turtle")
    (ds,) = g.subjects(DCTERMS.identifier, Literal(code))
    assert g.value(ds, DCTERMS.accessRights) == ACCESS.NON_PUBLIC

    change = _rows(lake, "SELECT change_id FROM catalog.changes WHERE field = 'sharing' AND status = '待审核'")[0]
    assert _cli("catalog", "approve", change["change_id"], "--by", "数据管理员-赵", lake=lake).exit_code == 0
    approved = _export(lake, tmp_path / "approved")
    assert _sharing_everywhere(approved, code) == {"无条件共享"}
    doc = json.loads((approved / "directory.json").read_text(encoding="utf-8"))
    assert doc["version"] == json.loads((held / "directory.json").read_text(encoding="utf-8"))["version"] + 1
    still_held = next(r for r in doc["resources"] if r["code"] == code)
    assert still_held["opening"] == "不予开放"  # its own change still waits
