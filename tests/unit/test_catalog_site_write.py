"""The directory site written from a small warehouse (real DuckDB): the published values, masked
samples, escaped text, a safe swap beside other files, an audit record (catalog/site/)."""

from __future__ import annotations

import json
from datetime import date

import duckdb
import pyarrow as pa
import pytest

from catalog.site import MARKER, SiteError, write_site
from catalog.store import ITEMS, QUALITY, RESOURCES
from govlake import audit

PERSON, SOURCE, HELD = "101001/000001", "302001/000001", "102001/000001"


def _resource(code, name, kind, relation, **extra) -> dict:
    row = {k: None for k in RESOURCES}
    row.update(
        code=code, name=name, kind=kind, title=f"{name} 标题", title_en=f"{name} title", summary="摘要",
        providers=["gaj"], provider_names=["滨州市公安局"], provider_usccs=["11371600004363212F"], format="库表",
        sharing="无条件共享", sharing_method="数据库表共享", opening="不予开放", update_cycle="每日",
        grade="重要数据", published_at="2026-12-01", related=[], relation=relation, library="population",
        upstream=[], downstream=[], sources=["gaj.household_register"], class_name="基础", item_name="人口",
        catalog_name="人员",
    )  # fmt: skip
    row.update(extra)
    return row


ITEM_ROWS = [
    ("id_no", "公民身份号码", "敏感个人信息"),
    ("name", "姓名", "个人信息"),
    ("note", "备注", "非个人信息"),
]


def _state(row: dict, **changes) -> str:
    items = {n: {"name_zh": zh, "type_code": "C", "sensitivity": s} for n, zh, s in ITEM_ROWS}
    fields = ("title", "sharing", "sharing_condition", "opening", "grade", "update_cycle")
    state = {"code": row["code"], "name": row["name"], **{f: row[f] for f in fields}, "items": items, **changes}
    return json.dumps(state, ensure_ascii=False)


@pytest.fixture
def city(lake):
    """A warehouse with a published person resource (built wider than published), its source,
    and a resource whose addition waits for review."""
    person = _resource(PERSON, "base_population__person", "curated", "base.person", upstream=[SOURCE])
    source = _resource(SOURCE, "gaj.household_register", "source", "staging.household", downstream=[PERSON])
    held = _resource(HELD, "base_legal_entity__enterprise", "curated", None)
    items = [
        {"resource_code": code, "position": n, "name": name, "name_zh": zh, "name_en": name, "type_code": "C",
         "sensitivity": s, "grade": "重要数据", "data_type": "string"}
        for code in (PERSON, SOURCE, HELD) for n, (name, zh, s) in enumerate(ITEM_ROWS, 1)
    ]  # fmt: skip
    quality = [{"resource_code": PERSON, "source_id": "gaj.household_register", "batch": "2026-10-01",
                "dimension": d, "score": 97.5} for d in ("completeness", "overall")]  # fmt: skip
    lake.home.mkdir(parents=True)
    with duckdb.connect(str(lake.warehouse)) as con:
        from catalog.store import SQL_DIR, _statements

        for stmt in _statements((SQL_DIR / "schema.sql").read_text(encoding="utf-8")):
            con.execute(stmt)
        for name, rows, schema in (("resources", [person, source, held], RESOURCES), ("items", items, ITEMS),
                                   ("quality", quality, QUALITY)):  # fmt: skip
            con.register("t", pa.table({k: pa.array([r[k] for r in rows], type=t) for k, t in schema.items()}))
            con.execute(f"CREATE TABLE catalog.{name} AS SELECT * FROM t")
            con.unregister("t")
        con.execute("INSERT INTO catalog.published VALUES (?, ?, 1), (?, ?, 1)",
                    [PERSON, _state(person, sharing="有条件共享", sharing_condition="仅限履职"), SOURCE,
                     _state(source)])  # fmt: skip
        con.execute("INSERT INTO catalog.versions VALUES (1, '2026-12-01 08:00:00', '初始发布 initial build', 2)")
        con.execute(
            "INSERT INTO catalog.changes VALUES ('c00001', NULL, ?, 'base_population__person', 'field_changed', "
            "'sharing', '有条件共享', '无条件共享', 'widen', '待审核', '2026-12-02 08:00:00', NULL, NULL, NULL)",
            [PERSON],
        )
        for schema, table in (("base", "person"), ("staging", "household")):
            con.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
            con.execute(f"CREATE TABLE {schema}.{table} (id_no VARCHAR, name VARCHAR, note VARCHAR, _batch VARCHAR)")
            con.execute(
                f"INSERT INTO {schema}.{table} VALUES ('37160219900101123X', '张三丰', "
                "'<script>alert(1)</script> 13812341234', '2026-10-01')"
            )
    return lake


def _page(out, code):
    return (out / "resources" / f"{code.replace('/', '-')}.html").read_text(encoding="utf-8")


def test_a_resource_page_shows_the_published_values_not_a_change_waiting_for_review(city):
    write_site(city)
    page = _page(city.reports / "catalog", PERSON)
    assert "有条件共享" in page and "仅限履职" in page
    assert "无条件共享" not in page.split('id="history-section"')[0]  # only in the change's own history row


def test_a_resource_whose_addition_waits_for_review_is_not_on_the_site(city):
    result = write_site(city)
    out = city.reports / "catalog"
    assert (result.resources, result.held) == (2, 1)
    assert not (out / "resources" / f"{HELD.replace('/', '-')}.html").exists()
    assert HELD not in (out / "assets" / "index.js").read_text(encoding="utf-8")


def test_sample_rows_are_masked_by_sensitivity_and_by_shape(city):
    write_site(city)
    page = _page(city.reports / "catalog", PERSON)
    assert "371602********123X" in page and "张**" in page and "138****1234" in page
    assert "37160219900101123X" not in page and "张三丰" not in page and "13812341234" not in page
    assert "_batch" not in page  # only the resource's 信息项


def test_delivered_markup_in_a_sample_is_text_not_markup(city):
    write_site(city)
    page = _page(city.reports / "catalog", PERSON)
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_a_table_that_cannot_be_read_costs_its_samples_not_the_site(city, tmp_path):
    parquet = tmp_path / "household.parquet"
    with duckdb.connect(str(city.warehouse)) as con:
        con.execute(f"COPY staging.household TO '{parquet}' (FORMAT parquet)")
        con.execute("DROP TABLE staging.household")
        con.execute(f"CREATE VIEW staging.household AS SELECT * FROM read_parquet('{parquet}')")
    parquet.unlink()
    result = write_site(city)
    out = city.reports / "catalog"
    assert "样例不可读" in _page(out, SOURCE) and "371602********123X" in _page(out, PERSON)
    assert [n for n in result.notes if n.startswith(SOURCE)]


def test_a_rebuild_replaces_its_own_pages_and_leaves_other_files_alone(city):
    out = city.reports / "catalog"
    write_site(city)
    (out / "exports").mkdir()
    (out / "exports" / "directory.json").write_text("{}", encoding="utf-8")
    (out / "resources" / "stale.html").write_text("old", encoding="utf-8")
    owned = (out / MARKER).read_text(encoding="utf-8").split()
    (out / MARKER).write_text("\n".join([*owned, "retired.html"]), encoding="utf-8")
    (out / "retired.html").write_text("old", encoding="utf-8")
    write_site(city)
    assert (out / "exports" / "directory.json").read_text(encoding="utf-8") == "{}"
    assert not (out / "resources" / "stale.html").exists() and not (out / "retired.html").exists()
    assert sorted(p.name for p in out.iterdir() if p.name.startswith(".site-")) == []  # no temporary left


def test_the_site_is_not_written_through_a_symbolic_link(city, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    city.reports.mkdir(parents=True, exist_ok=True)
    (city.reports / "catalog").symlink_to(elsewhere)
    with pytest.raises(SiteError, match="symbolic link"):
        write_site(city)
    assert list(elsewhere.iterdir()) == []


def test_a_directory_holding_files_the_site_did_not_write_is_refused(city, tmp_path):
    out = tmp_path / "mine"
    (out / "resources").mkdir(parents=True)
    (out / "resources" / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(SiteError, match="resources"):
        write_site(city, out)
    assert (out / "resources" / "notes.txt").read_text(encoding="utf-8") == "mine"


def test_a_lake_without_a_directory_is_a_clear_error(lake):
    lake.home.mkdir(parents=True)
    duckdb.connect(str(lake.warehouse)).close()
    with pytest.raises(SiteError, match="govlake catalog build"):
        write_site(lake)


def test_the_export_is_in_the_audit_log(city):
    result = write_site(city)
    records = [json.loads(line) for f in audit.log_files(city) for line in f.read_text(encoding="utf-8").splitlines()]
    (record,) = [r for r in records if r["action"] == "export.catalog_site"]
    assert record["subject"] == result.index and record["outcome"] == "ok"


def test_the_command_writes_the_site_where_asked_and_says_where(city, tmp_path):
    from typer.testing import CliRunner

    from conductor.cli import app

    out = tmp_path / "site"
    ran = CliRunner().invoke(app, ["catalog", "site", "--out", str(out), "--home", str(city.home)],
                             env={"COLUMNS": "300"})  # fmt: skip
    assert ran.exit_code == 0, ran.output
    assert (out / "index.html").is_file() and str(out / "index.html") in ran.output
    assert "1 resource(s) wait for review" in ran.output


def test_the_command_without_a_warehouse_says_what_to_run(lake):
    from typer.testing import CliRunner

    from conductor.cli import app

    ran = CliRunner().invoke(app, ["catalog", "site", "--home", str(lake.home)], env={"COLUMNS": "300"})
    assert ran.exit_code == 1 and "govlake run" in ran.output


def test_a_resource_page_shows_its_consumers_in_force_and_the_applications_waiting(city):
    from sharing import workflow

    def application(consumer: str, purpose: str) -> str:
        return workflow.apply(
            city, consumer=consumer, resource_code=PERSON, purpose=purpose, legal_basis="依法履职",
            items=["name"], end_date=date(2027, 6, 30), by=f"{consumer}-经办人",
        )["application_id"]  # fmt: skip

    workflow.approve(city, application("mzj", "低保核查"), by="公安-王", as_dept="gaj")
    revoked = workflow.approve(city, application("wjw", "出生登记"), by="公安-王", as_dept="gaj")
    workflow.revoke(city, revoked["grant_id"], by="公安-王", reason="核查结束")
    application("rsj", "参保核对")  # waits
    write_site(city)
    section = _page(city.reports / "catalog", PERSON).split('id="sharing-section"')[1].split("</section>")[0]
    assert 'data-consumer="mzj"' in section and "低保核查" in section and "2027-06-30 16:00:00" in section
    assert 'data-consumer="wjw"' not in section and 'data-consumer="rsj"' not in section
    assert '<span id="open-applications">1</span>' in section
