"""The 共享交换 gateway on loopback over a generated city built by `govlake run` (real dbt, real
DuckDB, a real uvicorn server, a real HTTP client): who may read what, masking in the engine,
the SQL console's refusals and limits, the formats as real clients read them, the audit of
every call, and a scan of every answer for an unmasked ID number or mobile."""

from __future__ import annotations

import io
import json
import re
import shutil
import time
from datetime import UTC, datetime, timedelta

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from govlake import audit
from govlake.lock import lake_lock
from govlake.pii import find_unmasked
from sharing.access import AccessSnapshot, Grant, Token, hash_token, write_snapshot
from sharing.engine import Engine
from sharing.gateway.app import create_app
from sharing.gateway.config import load_config
from sharing.published import directory_file, read_layer
from tests.gateway_fixtures import RecordingClient, serving
from tests.lake_fixtures import run_generated_city

pytestmark = pytest.mark.slow

PERSONS, SEED = 300, 11
# resources by model; their codes are the directory's (read from the published layer)
PERSON_MODEL = "base_population__person"  # 人员基础信息, 有条件共享
HOUSEHOLD_MODEL = "base_population__household"  # 户籍户信息, 有条件共享
INDICATOR_MODEL = "base_macro_economy__indicator"  # 主要经济指标, 无条件共享
PERSON = HOUSEHOLD = INDICATOR = ""  # set by the city fixture
BASE_GRANTS: tuple = ()
GRANTED = ("person_id", "name", "mobile", "birth_date", "gender")
SECRETS = {"rsj": "glk_test_rsj", "mzj": "glk_test_mzj", "analyst": "glk_test_analyst", "late": "glk_test_late"}
FUTURE = (datetime.now(UTC) + timedelta(days=30)).isoformat(timespec="seconds")
PAST = (datetime.now(UTC) - timedelta(days=1)).isoformat(timespec="seconds")


def _token(key: str, holder: str, role: str, **kw) -> Token:
    return Token(f"TKN-{key}", hash_token(SECRETS[key]), holder, role, **kw)


def _grant(grant_id: str, consumer: str, resource: str, items, clear=(), **kw) -> Grant:
    kw.setdefault("expires_at", FUTURE)
    kw.setdefault("granted_at", datetime.now(UTC).isoformat(timespec="seconds"))
    return Grant(grant_id, consumer, resource, tuple(items), tuple(clear), "社保待遇资格核验", "社会保险法", **kw)


BASE_TOKENS = (
    _token("rsj", "rsj", "consumer"),
    _token("mzj", "mzj", "consumer"),
    _token("analyst", "王分析", "analyst"),
)
BASE_GRANTS = (_grant("GRT-00001", "rsj", PERSON, GRANTED),)


def _write_access(lake, tokens=BASE_TOKENS, grants=None):
    grants = BASE_GRANTS if grants is None else grants
    write_snapshot(lake, AccessSnapshot(tokens=tuple(tokens), grants=tuple(grants)))


@pytest.fixture(scope="module")
def city(tmp_path_factory):
    root = tmp_path_factory.mktemp("gateway")
    lake, _ = run_generated_city(root, PERSONS, SEED, defect_rate=0.0)  # the gate passes: curated published
    codes = {r.name: r.code for r in read_layer(lake).resources.values()}
    global PERSON, HOUSEHOLD, INDICATOR, BASE_GRANTS
    PERSON, HOUSEHOLD, INDICATOR = codes[PERSON_MODEL], codes[HOUSEHOLD_MODEL], codes[INDICATOR_MODEL]
    BASE_GRANTS = (_grant("GRT-00001", "rsj", PERSON, GRANTED),)
    _write_access(lake)
    config = load_config(sql__seconds=1.5, rate_limit__burst=10_000)
    with serving(create_app(lake, config)) as url, RecordingClient(base_url=url) as client:
        yield {"lake": lake, "url": url, "client": client, "exempt": set()}
    shutil.rmtree(root, ignore_errors=True)


def _get(city, path, who=None, **params):
    headers = {"Authorization": f"Bearer {SECRETS[who]}"} if who else {}
    return city["client"].get(path, headers=headers, params=params)


def _sql(city, text, who="analyst", **params):
    return city["client"].post(
        "/sql", json={"sql": text}, headers={"Authorization": f"Bearer {SECRETS[who]}"}, params=params
    )


def _audit_records(lake) -> list[dict]:
    return [json.loads(line) for f in audit.log_files(lake) for line in f.read_text(encoding="utf-8").splitlines()]


def _raw(lake, model: str, columns) -> list[dict]:
    layer = read_layer(lake)
    file = next(r.parquet for r in layer.resources.values() if r.name == model)
    return pq.read_table(file, columns=list(columns)).to_pylist()


# -- who may read ---------------------------------------------------------------------------


def test_a_request_without_a_token_is_refused_with_401(city):
    answer = _get(city, "/resources")
    assert answer.status_code == 401
    assert answer.headers["www-authenticate"] == "Bearer"


def test_an_unknown_token_is_refused_with_401(city):
    answer = city["client"].get("/resources", headers={"Authorization": "Bearer glk_guessed"})
    assert answer.status_code == 401


def test_a_consumer_without_a_grant_is_refused_with_403_and_told_how_to_apply(city):
    answer = _get(city, f"/resources/{HOUSEHOLD}/rows", "rsj")
    assert answer.status_code == 403
    assert "no grant in force" in answer.json()["reason"] and "govlake share apply" in answer.json()["reason"]


def test_another_departments_grant_does_not_open_the_resource(city):
    answer = _get(city, f"/resources/{PERSON}/rows", "mzj")
    assert answer.status_code == 403


def test_a_grant_returns_only_its_items(city):
    answer = _get(city, f"/resources/{PERSON}/rows", "rsj", page_size=50)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["columns"] == list(GRANTED)
    assert all(set(row) == set(GRANTED) for row in body["rows"]) and len(body["rows"]) == 50


def test_an_item_outside_the_grant_is_refused_naming_it(city):
    answer = _get(city, f"/resources/{PERSON}/rows", "rsj", items="person_id,household_address")
    assert answer.status_code == 403
    assert "household_address" in answer.json()["reason"]


def test_an_unconditionally_shared_resource_needs_no_grant(city):
    answer = _get(city, f"/resources/{INDICATOR}/rows", "mzj")
    assert answer.status_code == 200 and answer.json()["basis"] == "无条件共享"


def test_the_directory_lists_every_resource_with_the_callers_access(city):
    body = _get(city, "/resources", "rsj").json()
    by_code = {r["code"]: r for r in body["resources"]}
    assert by_code == {code: by_code[code] for code in read_layer(city["lake"]).resources}
    assert by_code[PERSON]["access"]["grant"] == "GRT-00001"
    assert by_code[HOUSEHOLD]["access"]["readable"] is False


def test_one_resource_shows_its_items_quality_and_the_callers_access(city):
    body = _get(city, f"/resources/{PERSON}", "rsj").json()
    assert {i["name"] for i in body["items"]} >= set(GRANTED)
    assert "quality_overall" in body and body["access"]["basis"] == "grant GRT-00001"


# -- masking in the engine --------------------------------------------------------------------


def _masked_id(v):
    return v[:6] + "*" * (len(v) - 10) + v[-4:]


def test_sensitive_items_are_masked_as_the_standard_says(city):
    rows = _get(city, f"/resources/{PERSON}/rows", "rsj", page_size=200).json()["rows"]
    raw = _raw(city["lake"], "base_population__person", GRANTED)[:200]
    for got, was in zip(rows, raw):
        assert got["person_id"] == _masked_id(was["person_id"])
        assert got["name"] == (was["name"][0] + "*" * (len(was["name"]) - 1) if was["name"] else None)
        assert got["mobile"] == (was["mobile"][:3] + "****" + was["mobile"][-4:] if was["mobile"] else None)
    assert any(r["mobile"] for r in rows)


def test_an_address_keeps_its_county_and_nothing_after(city):
    _write_access(city["lake"], grants=(*BASE_GRANTS, _grant("GRT-00002", "mzj", PERSON, ["household_address"])))
    try:
        rows = _get(city, f"/resources/{PERSON}/rows", "mzj", page_size=100).json()["rows"]
    finally:
        _write_access(city["lake"])
    raw = _raw(city["lake"], "base_population__person", ["household_address"])[:100]
    addresses = [(got["household_address"], was["household_address"]) for got, was in zip(rows, raw)]
    assert any(was for _, was in addresses)
    for got, was in addresses:
        if was:
            assert got.endswith("***") and was.startswith(got[:-3]) and len(got) < len(was)
            assert re.search(r"(区|县|市)\*\*\*$", got), got


def test_an_item_the_grant_names_for_clear_delivery_arrives_whole_and_its_use_is_audited(city):
    clear = _grant("GRT-00003", "mzj", PERSON, ["person_id", "gender"], clear=["person_id"])
    _write_access(city["lake"], grants=(*BASE_GRANTS, clear))
    try:
        answer = _get(city, f"/resources/{PERSON}/rows", "mzj", page_size=5)
    finally:
        _write_access(city["lake"])
    city["exempt"].add(answer.headers["x-request-id"])
    raw = _raw(city["lake"], "base_population__person", ["person_id"])[:5]
    assert [r["person_id"] for r in answer.json()["rows"]] == [r["person_id"] for r in raw]
    logged = [
        r for r in _audit_records(city["lake"]) if r["details"].get("request_id") == answer.headers["x-request-id"]
    ]
    assert logged and logged[0]["details"]["clear_items"] == ["person_id"]


# -- lapses take effect at once ---------------------------------------------------------------


def test_an_expired_grant_stops_working_at_once(city):
    _write_access(city["lake"], grants=(_grant("GRT-00001", "rsj", PERSON, GRANTED, expires_at=PAST),))
    try:
        answer = _get(city, f"/resources/{PERSON}/rows", "rsj")
    finally:
        _write_access(city["lake"])
    assert answer.status_code == 403 and "expired" in answer.json()["reason"]
    assert _get(city, f"/resources/{PERSON}/rows", "rsj").status_code == 200


def test_a_revoked_grant_stops_working_at_once(city):
    revoked = _grant("GRT-00001", "rsj", PERSON, GRANTED, revoked_at=datetime.now(UTC).isoformat())
    _write_access(city["lake"], grants=(revoked,))
    try:
        answer = _get(city, f"/resources/{PERSON}/rows", "rsj")
    finally:
        _write_access(city["lake"])
    assert answer.status_code == 403 and "revoked" in answer.json()["reason"]


def test_a_revoked_or_expired_token_stops_working_at_once(city):
    late = _token("late", "rsj", "consumer")
    _write_access(city["lake"], tokens=(*BASE_TOKENS, late))
    assert _get(city, "/resources", "late").status_code == 200
    _write_access(city["lake"], tokens=(*BASE_TOKENS, _token("late", "rsj", "consumer", revoked_at=PAST)))
    assert _get(city, "/resources", "late").status_code == 401
    _write_access(city["lake"], tokens=(*BASE_TOKENS, _token("late", "rsj", "consumer", expires_at=PAST)))
    assert _get(city, "/resources", "late").status_code == 401
    _write_access(city["lake"])


def test_a_resource_the_directory_does_not_share_is_refused_quoting_its_basis(city):
    path = directory_file(city["lake"])
    original = path.read_text(encoding="utf-8")
    doc = json.loads(original)
    for r in doc["resources"]:
        if r["code"] == INDICATOR:
            r["sharing"], r["sharing_condition"] = "不予共享", "涉及国家秘密，依据《保守国家秘密法》"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    try:
        consumer = _get(city, f"/resources/{INDICATOR}/rows", "mzj")
        analyst = _sql(city, "SELECT count(*) FROM macro_economy.base_macro_economy__indicator")
    finally:
        path.write_text(original, encoding="utf-8")
    assert consumer.status_code == 403 and "保守国家秘密法" in consumer.json()["reason"]
    assert analyst.status_code == 400


# -- the SQL console --------------------------------------------------------------------------


def test_an_analyst_aggregates_a_library_through_its_masking_view(city):
    answer = _sql(city, "SELECT count(*) AS n FROM population.base_population__person")
    assert answer.status_code == 200, answer.text
    assert answer.json()["rows"][0]["n"] == len(_raw(city["lake"], "base_population__person", ["person_id"]))


def test_an_analyst_sees_personal_columns_masked(city):
    rows = _sql(city, "SELECT person_id, mobile FROM population.base_population__person LIMIT 20").json()["rows"]
    assert rows and all("********" in r["person_id"] for r in rows)


def test_the_sql_console_is_for_analysts_not_consumers(city):
    assert _sql(city, "SELECT 1", who="rsj").status_code == 403


@pytest.mark.parametrize(
    "text",
    [
        "CREATE TABLE x AS SELECT 1",
        "DROP VIEW population.base_population__person",
        "INSERT INTO population.base_population__person VALUES (1)",
        "DELETE FROM population.base_population__person",
        "UPDATE population.base_population__person SET name = 'x'",
        "ATTACH '/tmp/other.duckdb' AS other",
        "COPY (SELECT 1) TO '/tmp/out.csv'",
        "SELECT * FROM read_csv('/etc/passwd')",
        "SELECT * FROM '/etc/passwd'",
        "SELECT 1; SELECT 2",
        "SELECT 1; DROP VIEW population.base_population__person",
        "SET enable_external_access = true",
        "PRAGMA database_list",
        "SELECT * FROM duckdb_settings()",
        "SELECT * FROM information_schema.tables",
        "SELECT * FROM read_parquet('curated/population/base_population__person.parquet')",
        "SELECT count(*) FROM population.base_population__person WHERE person_id IN (SELECT * FROM glob('/*'))",
    ],
)
def test_the_sql_console_refuses_anything_but_one_select_over_its_views(city, text):
    answer = _sql(city, text)
    assert answer.status_code == 400, answer.text
    assert answer.json()["reason"]


def test_a_long_query_is_interrupted_at_its_time_limit(city):
    started = time.monotonic()
    cross = ", ".join(f"population.base_population__person p{i}" for i in range(4))
    # a predicate on every combination: nothing can shortcut the 300**4 rows
    answer = _sql(city, f"SELECT count(*) FROM {cross} WHERE hash(p0.name, p1.name, p2.name, p3.name) % 7 = 0")
    assert answer.status_code == 504 and "1.5" in answer.json()["reason"]
    assert time.monotonic() - started < 10


def test_an_answer_over_the_row_limit_is_cut_and_says_so(city, monkeypatch):
    engine = Engine(city["lake"])
    try:
        result = engine.sql("SELECT * FROM population.base_population__person", "analyst", row_limit=7)
    finally:
        engine.close()
    assert result.table.num_rows == 7 and result.truncated


def test_an_injection_through_a_filter_value_is_only_a_value(city):
    answer = _get(city, f"/resources/{INDICATOR}/rows", "mzj", indicator_code="x' OR '1'='1")
    assert answer.status_code == 200 and answer.json()["total"] == 0


def test_a_filter_on_a_name_that_is_no_item_is_refused(city):
    answer = _get(city, f"/resources/{INDICATOR}/rows", "mzj", **{'x" OR 1=1 --': "1"})
    assert answer.status_code == 400


def test_a_filter_on_a_masked_item_is_refused(city):
    answer = _get(city, f"/resources/{PERSON}/rows", "rsj", person_id="371602199001011234")
    assert answer.status_code == 400 and "masked" in answer.json()["reason"]


def test_a_filter_selects_rows(city):
    rows = _get(city, f"/resources/{INDICATOR}/rows", "mzj", page_size=1).json()["rows"]
    code = rows[0]["indicator_code"]
    body = _get(city, f"/resources/{INDICATOR}/rows", "mzj", indicator_code=code, page_size=1000).json()
    assert body["total"] == len(body["rows"]) > 0 and {r["indicator_code"] for r in body["rows"]} == {code}


# -- formats, read by real clients -----------------------------------------------------------


def test_pandas_reads_the_csv_format(city):
    answer = _get(city, f"/resources/{PERSON}/rows", "rsj", format="csv", page_size=30)
    frame = pd.read_csv(io.StringIO(answer.text), dtype=str)
    assert list(frame.columns) == list(GRANTED) and len(frame) == 30


def test_pyarrow_reads_the_arrow_format(city):
    answer = _get(city, f"/resources/{PERSON}/rows", "rsj", format="arrow", page_size=30)
    table = pa.ipc.open_stream(answer.content).read_all()
    assert table.column_names == list(GRANTED) and table.num_rows == 30
    assert table.schema.metadata[b"govlake.request_id"].decode() == answer.headers["x-request-id"]


def test_duckdb_reads_the_parquet_format_and_it_names_its_request(city):
    answer = _get(city, f"/resources/{PERSON}/rows", "rsj", format="parquet", page_size=30)
    # httpfs cannot be installed here (no extension downloads): DuckDB reads the answer's bytes
    rows = duckdb.read_parquet(io.BytesIO(answer.content)).fetchall()
    assert len(rows) == 30
    meta = pq.read_schema(io.BytesIO(answer.content)).metadata
    assert meta[b"govlake.request_id"].decode() == answer.headers["x-request-id"]


def test_csv_answers_defuse_text_a_spreadsheet_would_run(city):
    answer = _sql(city, "SELECT '=HYPERLINK(\"http://x\")' AS a, '+1' AS b, 'plain' AS c", format="csv")
    row = pd.read_csv(io.StringIO(answer.text), dtype=str).iloc[0].to_dict()
    assert row == {"a": '\'=HYPERLINK("http://x")', "b": "'+1", "c": "plain"}


def test_sql_answers_come_in_every_format(city):
    text = "SELECT gender, count(*) AS n FROM population.base_population__person GROUP BY ALL"
    csv_rows = pd.read_csv(io.StringIO(_sql(city, text, format="csv").text))
    arrow = pa.ipc.open_stream(_sql(city, text, format="arrow").content).read_all()
    assert int(csv_rows["n"].sum()) == sum(arrow.column("n").to_pylist()) > 0


# -- operations --------------------------------------------------------------------------------


def test_the_gateway_answers_while_a_build_holds_the_warehouse(city):
    with lake_lock(city["lake"]):
        writer = duckdb.connect(str(city["lake"].warehouse))
        try:
            answer = _get(city, f"/resources/{PERSON}/rows", "rsj")
        finally:
            writer.close()
    assert answer.status_code == 200


def test_a_token_over_its_rate_limit_is_told_to_wait(city):
    config = load_config(rate_limit__burst=3, rate_limit__per_minute=6)
    with serving(create_app(city["lake"], config)) as url, RecordingClient(base_url=url) as client:
        headers = {"Authorization": f"Bearer {SECRETS['mzj']}"}
        codes = [client.get("/resources", headers=headers).status_code for _ in range(5)]
        assert codes == [200, 200, 200, 429, 429]
        assert int(client.get("/resources", headers=headers).headers["retry-after"]) >= 1


def test_every_call_is_audited_with_caller_endpoint_resource_rows_status_and_duration(city):
    ids = {a.headers["x-request-id"] for a in city["client"].answers if a.request.url.path != "/api/docs"}
    records = {r["details"]["request_id"]: r for r in _audit_records(city["lake"]) if r["action"] == "gateway.request"}
    assert ids <= set(records), [str(a.url) for a in city["client"].answers if a.headers["x-request-id"] not in records]
    one = records[
        next(
            a.headers["x-request-id"] for a in city["client"].answers if a.status_code == 200 and "/rows" in str(a.url)
        )
    ]
    assert one["actor"] and one["subject"].count("/") == 1
    assert {"endpoint", "status", "rows", "duration_ms"} <= set(one["details"])


def test_the_openapi_document_describes_every_endpoint(city):
    paths = city["client"].get("/openapi.json").json()["paths"]
    assert {"/resources", "/resources/{cls}/{seq}", "/resources/{cls}/{seq}/rows", "/sql"} <= set(paths)


def test_a_page_number_past_any_offset_is_refused_as_invalid(city):
    answer = _get(city, f"/resources/{INDICATOR}/rows", "mzj", page=10**18)
    assert answer.status_code == 422 and "page" in answer.json()["reason"]


def test_no_answer_holds_an_unmasked_id_number_or_mobile_outside_a_clear_grant(city):
    scanned = 0
    for answer in city["client"].answers:
        if answer.headers.get("x-request-id") in city["exempt"]:
            continue
        kind = answer.headers.get("content-type", "")
        if "parquet" in kind:
            text = json.dumps(pq.read_table(io.BytesIO(answer.content)).to_pylist(), ensure_ascii=False, default=str)
        elif "arrow" in kind:
            text = json.dumps(
                pa.ipc.open_stream(answer.content).read_all().to_pylist(), ensure_ascii=False, default=str
            )
        else:
            text = answer.text
        assert find_unmasked(text) == [], answer.url
        scanned += 1
    assert scanned > 30
