"""共享交换 end to end, as the people involved do it: the bureau issues tokens, a department
applies for a 有条件共享 resource, its provider approves with fewer items, the consumer reads
through the running gateway — only the granted items, masked but for the one named clear — and a
revocation of the grant or the token shuts the door on the very next request. Real `govlake
share` commands, a real uvicorn server, a generated city through `govlake run`."""

from __future__ import annotations

import re
import shutil

import pytest
from typer.testing import CliRunner

from conductor.cli import app
from sharing.gateway.app import create_app
from sharing.published import read_layer
from tests.gateway_fixtures import RecordingClient, serving
from tests.lake_fixtures import run_generated_city

pytestmark = pytest.mark.slow

PERSONS, SEED = 300, 11
MODEL = "base_population__person"  # 人员基础信息: 有条件共享, provided by gaj, wjw and mzj


def _share(lake, *args):
    ran = CliRunner().invoke(app, ["share", *args, "--home", str(lake.home)], env={"COLUMNS": "250"})
    assert ran.exit_code == 0, ran.output
    return ran.output


def _token(lake, holder: str, role: str) -> tuple[str, str]:
    output = _share(lake, "token", "create", "--for", holder, "--role", role, "--by", "大数据局-张")
    return re.search(r"TKN-\d+", output).group(), re.search(r"glk_[A-Za-z0-9_-]{40,}", output).group()


@pytest.fixture(scope="module")
def city(tmp_path_factory):
    root = tmp_path_factory.mktemp("share-e2e")
    lake, _ = run_generated_city(root, PERSONS, SEED, defect_rate=0.0)
    with serving(create_app(lake)) as url, RecordingClient(base_url=url) as client:
        yield {
            "lake": lake,
            "client": client,
            "code": next(r.code for r in read_layer(lake).resources.values() if r.name == MODEL),
        }
    shutil.rmtree(root, ignore_errors=True)


def test_apply_approve_read_revoke_through_the_commands_and_the_running_gateway(city):
    lake, client, code = city["lake"], city["client"], city["code"]
    token_id, secret = _token(lake, "rsj", "consumer")
    rows_url = f"/resources/{code}/rows"
    auth = {"Authorization": f"Bearer {secret}"}
    assert client.get(rows_url, headers=auth).status_code == 403  # no application yet

    applied = _share(lake, "apply", "--consumer", "rsj", "--resource", MODEL, "--purpose", "社保待遇资格认证",
                     "--legal-basis", "《社会保险法》第八十一条", "--until", "2027-06-30", "--by", "人社-李",
                     "--item", "person_id", "--item", "name", "--item", "gender", "--item", "mobile",
                     "--clear-item", "gender")  # fmt: skip
    application = re.search(r"APP-\d+", applied).group()
    narrowed = ["--item", "person_id", "--item", "name", "--item", "gender", "--clear-item", "gender"]
    approved = _share(lake, "approve", application, "--as", "gaj", "--by", "公安-王", *narrowed)
    grant = re.search(r"GRT-\d+", approved).group()

    answer = client.get(rows_url, headers=auth, params={"page_size": 20})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["columns"] == ["person_id", "name", "gender"] and body["basis"] == f"grant {grant}"
    assert all(re.fullmatch(r"\d{6}\*{8}[\dX]{4}", r["person_id"]) for r in body["rows"])
    assert body["clear"] == ["gender"] and {r["gender"] for r in body["rows"]} <= {"1", "2", "9", None}

    _share(lake, "revoke", grant, "--reason", "项目结束", "--by", "公安-王")
    refused = client.get(rows_url, headers=auth)
    assert refused.status_code == 403 and "revoked" in refused.json()["reason"]

    _share(lake, "token", "revoke", token_id, "--by", "大数据局-张")
    assert client.get("/resources", headers=auth).status_code == 401


def test_an_analyst_token_from_the_command_queries_the_libraries_masked(city):
    _, secret = _token(city["lake"], "分析员-陈", "analyst")
    answer = city["client"].post(
        "/sql",
        json={"sql": f"SELECT person_id FROM population.{MODEL} LIMIT 5"},
        headers={"Authorization": f"Bearer {secret}"},
    )
    assert answer.status_code == 200, answer.text
    assert all("*" in r["person_id"] for r in answer.json()["rows"])
