"""`govlake share export` on a generated city built by `govlake run` (real dbt and DuckDB): a grant's
items only, masked as docs/masking.md#masks says unless the grant names them, formula-like text
defused, the export id in each format's metadata, a checked row in sharing.exports, an audit
record, refusals that write nothing, and no ID number or mobile in clear outside a clear grant."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
import shutil
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from conductor.cli import app
from govlake import audit
from govlake.pii import find_unmasked
from govlake.registry import load_registry
from govlake.settings import Lake
from sharing.access import AccessSnapshot, Grant, write_snapshot
from sharing.engine import Engine
from sharing.published import read_layer
from tests.lake_fixtures import run_generated_city, warehouse_rows

pytestmark = pytest.mark.slow

PERSONS, SEED = 400, 5
PERSON, DECISION, ENTERPRISE = "101001/000001", "103001/000001", "102001/000001"
IN_FORCE, LONG_AGO = "2099-01-01T00:00:00+00:00", "2020-01-01T00:00:00+00:00"
MASKED_ITEMS = ("person_id", "name", "mobile", "household_address", "gender")
GRANTS = (
    Grant("GRT-MASKED", "mzj", PERSON, MASKED_ITEMS, purpose="低保资格核查", expires_at=IN_FORCE),
    Grant(
        "GRT-CLEAR", "rsj", PERSON, ("person_id", "mobile"), ("mobile",), purpose="社保待遇通知", expires_at=IN_FORCE
    ),
    Grant("GRT-FINES", "swj", DECISION, ("decision_no", "subject_name", "fine_amount"), expires_at=IN_FORCE),
    Grant("GRT-EXPIRED", "wjw", PERSON, ("person_id",), expires_at=LONG_AGO),
    Grant("GRT-REVOKED", "yjj", PERSON, ("person_id",), expires_at=IN_FORCE, revoked_at=LONG_AGO),
)
# a hostile delivery reaching a curated table: text a spreadsheet would evaluate
FORMULAS = ['=HYPERLINK("http://evil.example","x")', "+1+2", "-3+4", "@SUM(A1)", "\tcmd"]
# and an ID number where none belongs, in a 非个人信息 column
STRAY_ID = "个体户 37160219900101123X"


def _cli(*args, lake: Lake):
    return CliRunner().invoke(app, ["share", "export", *args, "--home", str(lake.home)], env={"COLUMNS": "250"})


def _export(lake: Lake, out: Path, fmt: str, *args) -> Path:
    ran = _cli(*args, "--format", fmt, "--to", str(out), lake=lake)
    assert ran.exit_code == 0, ran.output
    (path,) = [p for p in out.iterdir() if p.suffix == f".{fmt}"]
    return path


def _plant_formulas(lake: Lake) -> None:
    """Overwrite the first enterprises' names in the curated file with formula-like text and a stray ID."""
    (path,) = lake.curated.glob("*/base_legal_entity__enterprise.parquet")
    tmp = path.with_name("planted.parquet")
    cases = " ".join(f"WHEN {n} THEN '{v}'" for n, v in enumerate([*FORMULAS, STRAY_ID], 1))
    with duckdb.connect() as con:
        con.execute(
            f"COPY (SELECT * REPLACE (CASE row_number() OVER () {cases} ELSE name END AS name) "
            f"FROM read_parquet('{path}')) TO '{tmp}' (FORMAT parquet)"
        )
    os.replace(tmp, path)


@pytest.fixture(scope="module")
def city(tmp_path_factory):
    root = tmp_path_factory.mktemp("share_export")
    lake, _ = run_generated_city(root, PERSONS, SEED, defect_rate=0.0)
    write_snapshot(lake, AccessSnapshot(grants=GRANTS))
    _plant_formulas(lake)
    out = root / "out"
    files = {}
    for fmt in ("csv", "xlsx", "parquet"):
        files[("masked", fmt)] = _export(
            lake, out / f"masked-{fmt}", fmt, "--resource", PERSON, "--grant", "GRT-MASKED"
        )
        files[("formulas", fmt)] = _export(
            lake, out / f"formulas-{fmt}", fmt, "--resource", ENTERPRISE, "--for", "fgw", "--purpose", "招商引资"
        )
    files[("clear", "parquet")] = _export(lake, out / "clear", "parquet", "--resource", PERSON, "--grant", "GRT-CLEAR")
    files[("fines", "parquet")] = _export(
        lake, out / "fines", "parquet", "--resource", DECISION, "--grant", "GRT-FINES"
    )
    yield {"lake": lake, "root": root, "files": files}
    shutil.rmtree(root, ignore_errors=True)


def _curated(lake: Lake, code: str) -> list[dict]:
    return pq.read_table(read_layer(lake).resource(code).parquet).to_pylist()


def _parquet_rows(path: Path) -> list[dict]:
    return pq.read_table(path).to_pylist()


def _csv_rows(path: Path) -> list[dict]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"))))


def _xlsx_rows(path: Path) -> list[dict]:
    ws = load_workbook(path, read_only=True)["数据"]
    header, *rows = ws.iter_rows(values_only=True)
    return [dict(zip(header, r, strict=True)) for r in rows]


def _id_mask(v: str) -> str:
    return v[:6] + "*" * (len(v) - 10) + v[-4:]


def test_only_the_granted_items_are_exported_in_every_format(city):
    files = city["files"]
    assert list(pq.read_schema(files[("masked", "parquet")]).names) == list(MASKED_ITEMS)
    assert list(_csv_rows(files[("masked", "csv")])[0]) == list(MASKED_ITEMS)
    assert list(_xlsx_rows(files[("masked", "xlsx")])[0]) == list(MASKED_ITEMS)


def test_every_row_of_the_resource_is_exported(city):
    assert len(_parquet_rows(city["files"][("masked", "parquet")])) == PERSONS
    assert len(_csv_rows(city["files"][("masked", "csv")])) == PERSONS


def test_id_numbers_keep_six_and_four_and_mobiles_three_and_four(city):
    source = _curated(city["lake"], PERSON)
    exported = _parquet_rows(city["files"][("masked", "parquet")])
    for src, out in zip(source, exported, strict=True):
        assert out["person_id"] == _id_mask(src["person_id"])
        if src["mobile"]:
            assert out["mobile"] == src["mobile"][:3] + "****" + src["mobile"][-4:]


def test_names_keep_their_first_character(city):
    source = _curated(city["lake"], PERSON)
    exported = _parquet_rows(city["files"][("masked", "parquet")])
    for src, out in zip(source, exported, strict=True):
        assert out["name"] == src["name"][0] + "*" * (len(src["name"]) - 1)


def test_addresses_keep_the_text_up_to_their_county(city):
    counties = sorted((r.name for r in load_registry().city.regions if r.level == "county"), key=len, reverse=True)
    county = re.compile("^(.*?(?:" + "|".join(map(re.escape, counties)) + "))")
    source = _curated(city["lake"], PERSON)
    exported = _parquet_rows(city["files"][("masked", "parquet")])
    checked = 0
    for src, out in zip(source, exported, strict=True):
        if src["household_address"]:
            found = county.match(src["household_address"])
            assert out["household_address"] == (found.group(1) if found else "") + "***"
            checked += 1
    assert checked > PERSONS // 2


def test_a_persons_amounts_are_masked_whole(city):
    exported = _parquet_rows(city["files"][("fines", "parquet")])
    source = _curated(city["lake"], DECISION)
    amounts = [out["fine_amount"] for src, out in zip(source, exported, strict=True) if src["fine_amount"] is not None]
    assert amounts and set(amounts) == {"***"}


def test_an_item_the_grant_names_clear_is_delivered_in_full_and_only_that_one(city):
    source = _curated(city["lake"], PERSON)
    exported = _parquet_rows(city["files"][("clear", "parquet")])
    assert [r["mobile"] for r in exported] == [r["mobile"] for r in source]
    assert [r["person_id"] for r in exported] == [_id_mask(r["person_id"]) for r in source]


def test_an_unconditional_resource_exported_without_a_grant_masks_its_personal_items(city):
    source = _curated(city["lake"], ENTERPRISE)
    exported = _parquet_rows(city["files"][("formulas", "parquet")])
    assert list(exported[0]) == [i.name for i in read_layer(city["lake"]).resource(ENTERPRISE).items]
    for src, out in zip(source, exported, strict=True):
        if src["legal_rep_id_no"]:
            assert out["legal_rep_id_no"] == _id_mask(src["legal_rep_id_no"])
        if src["legal_rep"]:
            assert out["legal_rep"] == src["legal_rep"][0] + "*" * (len(src["legal_rep"]) - 1)


def test_formula_like_text_gets_a_leading_apostrophe_in_csv_and_xlsx(city):
    for fmt, read in (("csv", _csv_rows), ("xlsx", _xlsx_rows)):
        names = [r["name"] for r in read(city["files"][("formulas", fmt)])[: len(FORMULAS)]]
        assert names == ["'" + v for v in FORMULAS], fmt


def test_xlsx_text_cells_are_strings_never_formulas(city):
    ws = load_workbook(city["files"][("formulas", "xlsx")])["数据"]
    kinds = {c.data_type for row in ws.iter_rows(min_row=2) for c in row if isinstance(c.value, str)}
    assert kinds == {"s"}


def test_an_id_number_in_a_non_personal_column_is_masked_by_its_shape(city):
    for fmt, read in (("csv", _csv_rows), ("xlsx", _xlsx_rows), ("parquet", _parquet_rows)):
        assert read(city["files"][("formulas", fmt)])[len(FORMULAS)]["name"] == "个体户 371602********123X", fmt


def test_parquet_keeps_the_values_as_they_are(city):
    names = [r["name"] for r in _parquet_rows(city["files"][("formulas", "parquet")])[: len(FORMULAS)]]
    assert names == FORMULAS


def _logged(lake: Lake) -> dict[str, dict]:
    return {r["path"]: r for r in warehouse_rows(lake, "SELECT * FROM sharing.exports")}


def test_the_export_id_is_readable_back_from_each_format(city):
    files, logged = city["files"], _logged(city["lake"])
    parquet = files[("masked", "parquet")]
    meta = pq.read_schema(parquet).metadata
    assert meta[b"govlake.export_id"].decode() == logged[str(parquet)]["export_id"]
    assert meta[b"govlake.grant"] == b"GRT-MASKED" and meta[b"govlake.consumer"] == b"mzj"
    assert meta[b"govlake.purpose"].decode() == "低保资格核查"
    xlsx = files[("masked", "xlsx")]
    wb = load_workbook(xlsx)
    assert wb.properties.identifier == logged[str(xlsx)]["export_id"]
    assert {p.name: p.value for p in wb.custom_doc_props.props}["govlake.grant"] == "GRT-MASKED"
    csv_file = files[("masked", "csv")]
    manifest = json.loads(csv_file.with_name(csv_file.name + ".manifest.json").read_text(encoding="utf-8"))
    assert manifest["export_id"] == logged[str(csv_file)]["export_id"]
    assert (manifest["consumer"], manifest["grant"], manifest["rows"]) == ("mzj", "GRT-MASKED", PERSONS)


def test_the_csv_manifest_says_which_columns_are_masked_and_carries_the_files_checksum(city):
    csv_file = city["files"][("masked", "csv")]
    manifest = json.loads(csv_file.with_name(csv_file.name + ".manifest.json").read_text(encoding="utf-8"))
    assert manifest["sha256"] == hashlib.sha256(csv_file.read_bytes()).hexdigest()
    assert {c["name"]: c["masked"] for c in manifest["columns"]} == dict.fromkeys(MASKED_ITEMS, True)


def test_every_export_is_a_row_of_sharing_exports_with_the_files_checksum(city):
    logged = _logged(city["lake"])
    assert set(logged) == {str(p) for p in city["files"].values()}
    for path in city["files"].values():
        row = logged[str(path)]
        assert row["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest(), path
    clear = logged[str(city["files"][("clear", "parquet")])]
    assert (clear["consumer"], clear["grant_id"], clear["clear_items"], clear["rows"]) == (
        "rsj",
        "GRT-CLEAR",
        ["mobile"],
        PERSONS,
    )
    assert clear["columns"] == ["person_id", "mobile"]


def _audit_records(lake: Lake) -> list[dict]:
    return [
        r
        for f in audit.log_files(lake)
        for r in map(json.loads, f.read_text(encoding="utf-8").splitlines())
        if r["action"] == "share.export"
    ]


def test_every_export_is_recorded_in_the_audit_log(city):
    logged = _logged(city["lake"])
    ok = {r["details"]["export_id"]: r for r in _audit_records(city["lake"]) if r["outcome"] == "ok"}
    assert set(ok) == {row["export_id"] for row in logged.values()}
    row = logged[str(city["files"][("masked", "csv")])]
    assert ok[row["export_id"]]["details"]["sha256"] == row["sha256"]


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (("--resource", PERSON, "--for", "tjj"), "no grant in force"),
        (("--resource", PERSON, "--grant", "GRT-EXPIRED"), "the grant expired"),
        (("--resource", PERSON, "--grant", "GRT-REVOKED"), "the grant was revoked"),
        (("--resource", PERSON, "--grant", "GRT-NONE"), "no such grant"),
        (("--resource", PERSON, "--grant", "GRT-FINES"), "no such grant of yours on it"),
    ],
    ids=["no-grant", "expired", "revoked", "unknown", "other-resource"],
)
def test_an_export_without_a_grant_in_force_is_refused_with_its_reason_and_writes_nothing(city, args, reason):
    lake, out = city["lake"], city["root"] / "refused"
    before = len(_logged(lake))
    ran = _cli(*args, "--format", "csv", "--to", str(out), lake=lake)
    assert ran.exit_code == 1
    assert reason in ran.output and len(ran.output.strip().splitlines()) == 1
    assert not out.exists()
    assert len(_logged(lake)) == before
    last = _audit_records(lake)[-1]
    assert last["outcome"] == "refused" and reason in last["details"]["error"]


def test_a_symlinked_target_is_refused(city):
    real, link = city["root"] / "real", city["root"] / "link"
    real.mkdir()
    link.symlink_to(real)
    ran = _cli("--resource", PERSON, "--grant", "GRT-MASKED", "--format", "csv", "--to", str(link), lake=city["lake"])
    assert ran.exit_code == 1 and "symlink" in ran.output
    assert list(real.iterdir()) == []


def test_a_scan_of_every_exported_file_finds_no_id_number_or_mobile_outside_a_clear_granted_column(city):
    readers = {"csv": _csv_rows, "xlsx": _xlsx_rows, "parquet": _parquet_rows}
    logged = _logged(city["lake"])
    scanned = 0
    for path in city["files"].values():
        clear = set(logged[str(path)]["clear_items"])
        for row in readers[path.suffix[1:]](path):
            found = [(k, v) for k, v in row.items() if k not in clear and find_unmasked(str(v or ""))]
            assert found == [], path
            scanned += 1
    manifest = city["files"][("masked", "csv")]
    assert find_unmasked(manifest.with_name(manifest.name + ".manifest.json").read_text(encoding="utf-8")) == []
    assert scanned > 0


def test_the_clear_column_does_hold_mobiles_the_scan_would_find(city):
    """The scan above can fail: the one column granted clear holds what it looks for."""
    rows = _parquet_rows(city["files"][("clear", "parquet")])
    assert any(find_unmasked(r["mobile"] or "") for r in rows)


def test_the_engine_streams_every_row_in_batches_as_its_pages_deliver_them(city):
    lake = city["lake"]
    engine, resource = Engine(lake), read_layer(lake).resource(PERSON)
    batches = list(engine.batches(resource, list(MASKED_ITEMS), batch_rows=64))
    assert len(batches) > 1 and max(b.num_rows for b in batches) <= 64
    streamed = [row for b in batches for row in b.to_pylist()]
    paged = engine.rows(resource, list(MASKED_ITEMS), limit=PERSONS + 1).table.to_pylist()
    assert streamed == paged


def test_an_xlsx_export_beyond_a_sheets_rows_is_refused_before_anything_is_written(city, monkeypatch):
    monkeypatch.setattr("sharing.export.run.MAX_ROWS", PERSONS - 1)
    out = city["root"] / "too-many"
    ran = _cli("--resource", PERSON, "--grant", "GRT-MASKED", "--format", "xlsx", "--to", str(out), lake=city["lake"])
    assert ran.exit_code == 1 and "too many rows for XLSX" in ran.output
    assert not out.exists()
