"""共享申请 on a generated city's published directory (real DuckDB, the `govlake share` CLI):
the directory's sharing attributes decide what may be applied for, the provider approves
(narrowing, never widening) or rejects, a grant reaches the gateway's access snapshot at
once and leaves it when revoked or expired; every change is in sharing.events and audited."""

from __future__ import annotations

import json
import re
import shutil
from datetime import UTC, datetime, timedelta

import pytest
from typer.testing import CliRunner

from conductor.cli import app
from govlake.audit import log_files
from sharing.access import AccessReader, read_snapshot
from tests.lake_fixtures import run_generated_city, warehouse_rows

pytestmark = pytest.mark.slow

PERSONS, SEED = 400, 5
HOUSEHOLD = "gaj.household_register"  # 有条件共享, provided by gaj
ENTERPRISE = "scjg.enterprise_register"  # 无条件共享
TAXPAYER = "swj.taxpayer"  # made 不予共享 by a narrowing rebuild (test below)


def _cli(lake, *args):
    return CliRunner().invoke(app, ["share", *args, "--home", str(lake.home)], env={"COLUMNS": "250"})


def _code(lake, name: str) -> str:
    return warehouse_rows(lake, "SELECT code FROM catalog.resources WHERE name = ?", [name])[0]["code"]


def _apply(lake, consumer: str, *items: str, resource=HOUSEHOLD, until="2027-06-30", clear=(), by="经办人"):
    args = ["apply", "--consumer", consumer, "--resource", resource, "--purpose", "低保资格核查",
            "--legal-basis", "《社会救助暂行办法》第十一条", "--until", until, "--by", by]  # fmt: skip
    for i in items:
        args += ["--item", i]
    for c in clear:
        args += ["--clear-item", c]
    return _cli(lake, *args)


def _applied(lake, consumer: str, *items: str, **kw) -> str:
    done = _apply(lake, consumer, *items, **kw)
    assert done.exit_code == 0, done.output
    return re.search(r"APP-\d{5}", done.output).group()


def _approved(lake, application: str, *args, as_dept="gaj") -> str:
    done = _cli(lake, "approve", application, "--as", as_dept, "--by", "公安-王", *args)
    assert done.exit_code == 0, done.output
    return re.search(r"GRT-\d{5}", done.output).group()


def _audit(lake) -> list[dict]:
    return [json.loads(line) for p in log_files(lake) for line in p.read_text(encoding="utf-8").splitlines()]


@pytest.fixture(scope="module")
def city(tmp_path_factory):
    root = tmp_path_factory.mktemp("sharing")
    lake, _ = run_generated_city(root, PERSONS, SEED)
    yield lake
    shutil.rmtree(root, ignore_errors=True)


def test_an_approved_application_is_a_grant_in_the_access_snapshot_with_the_narrowed_items(city):
    app_id = _applied(city, "mzj", "id_no", "name", "mobile", clear=["id_no", "mobile"])
    grant_id = _approved(city, app_id, "--item", "id_no", "--item", "name", "--clear-item", "id_no",
                         "--until", "2027-05-31")  # fmt: skip
    (grant,) = read_snapshot(city).grants_for("mzj", _code(city, HOUSEHOLD))
    assert (grant.grant_id, grant.application_id, grant.items, grant.clear_items) == (
        grant_id, app_id, ("id_no", "name"), ("id_no",)
    )  # fmt: skip
    assert grant.purpose == "低保资格核查" and grant.legal_basis == "《社会救助暂行办法》第十一条"
    assert grant.expires_at == "2027-05-31T16:00:00+00:00"  # the end of 31 May, city time (UTC+8)
    application = warehouse_rows(city, "SELECT * FROM sharing.applications WHERE application_id = ?", [app_id])[0]
    assert (application["status"], application["decided_by"], application["decided_as"], application["grant_id"]) == (
        "已批准", "公安-王", "gaj", grant_id
    )  # fmt: skip
    assert application["items"] == ["id_no", "name", "mobile"]  # what was asked stays on record


def test_a_grant_is_found_in_the_warehouse_by_its_id_with_its_state(city):
    from sharing.listing import grant

    grant_id = _approved(city, _applied(city, "xyzx", "name", until="2027-04-30"))
    found = grant(city, grant_id)
    assert (found["consumer"], found["items"], found["state"]) == ("xyzx", ["name"], "有效")
    assert grant(city, grant_id, at=datetime(2027, 4, 30, 16))["state"] == "已到期"
    assert grant(city, "GRT-99999") is None


def test_an_unconditionally_shared_resource_needs_no_application(city):
    done = _apply(city, "mzj", "uscc", resource=ENTERPRISE)
    assert done.exit_code == 1
    assert "无条件共享: no application is needed" in done.output
    assert not warehouse_rows(city, "SELECT * FROM sharing.applications WHERE resource_name = ?", [ENTERPRISE])


def test_an_application_for_a_resource_not_shared_is_refused_with_its_basis(city, tmp_path):
    # No resource of catalog/sources.yaml is 不予共享: a rebuild from a copy that narrows one
    # publishes it at once, as a real narrowing would be (catalog/versions.py).
    import yaml

    from catalog.config import SOURCES_PATH
    from catalog.store import build_directory

    basis = "涉及纳税人的商业秘密，依《税收征收管理法》第八条不予共享"
    raw = yaml.safe_load(SOURCES_PATH.read_text(encoding="utf-8"))
    raw["sources"][TAXPAYER].update(sharing="不予共享", sharing_condition=basis)
    (tmp_path / "sources.yaml").write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    build_directory(city, sources_path=tmp_path / "sources.yaml")
    done = _apply(city, "mzj", "uscc", resource=_code(city, TAXPAYER))
    assert done.exit_code == 1
    assert "不予共享: applications are refused" in done.output and basis in done.output


def test_an_item_the_resource_does_not_have_is_named_with_the_valid_ones(city):
    done = _apply(city, "rsj", "name", "salary")
    assert done.exit_code == 1
    assert "has no 信息项 'salary'" in done.output and "id_no, mobile, name" in done.output


@pytest.mark.parametrize(("consumer", "until", "message"), [
    ("民政局", "2027-06-30", "unknown department '民政局'; departments: dsj, gaj"),
    ("gaj", "2027-06-30", "gaj provides"),
    ("mzj", "2027-01-31", "the end date 2027-01-31 is not in the future"),
])  # fmt: skip
def test_an_application_from_a_wrong_consumer_or_for_a_past_end_is_refused(city, consumer, until, message):
    done = _apply(city, consumer, "name", until=until)
    assert done.exit_code == 1 and message in done.output


def test_an_approval_cannot_grant_more_items_than_were_applied_for(city):
    app_id = _applied(city, "rsj", "name", "gender", clear=["name"])
    more = _cli(city, "approve", app_id, "--as", "gaj", "--by", "公安-王", "--item", "name", "--item", "id_no")
    assert more.exit_code == 1 and "信息项 id_no not applied for" in more.output
    unmasked = _cli(city, "approve", app_id, "--as", "gaj", "--by", "公安-王", "--clear-item", "gender")
    assert unmasked.exit_code == 1 and "unmasked 信息项 gender not applied for" in unmasked.output
    longer = _cli(city, "approve", app_id, "--as", "gaj", "--by", "公安-王", "--until", "2027-07-01")
    assert longer.exit_code == 1 and "cannot extend the term" in longer.output
    assert warehouse_rows(city, "SELECT status FROM sharing.applications WHERE application_id = ?", [app_id]) == [
        {"status": "待审批"}
    ]


def test_only_a_providing_department_may_decide(city):
    app_id = _applied(city, "rsj", "name")
    done = _cli(city, "approve", app_id, "--as", "mzj", "--by", "民政-李")
    assert done.exit_code == 1 and "'mzj' does not provide" in done.output and "gaj decide" in done.output


def test_a_rejection_records_its_reason_and_who_decided(city):
    app_id = _applied(city, "xczx", "name", "address")
    done = _cli(city, "reject", app_id, "--as", "gaj", "--by", "公安-王", "--reason", "用途与所申请信息项不符")
    assert done.exit_code == 0, done.output
    row = warehouse_rows(city, "SELECT * FROM sharing.applications WHERE application_id = ?", [app_id])[0]
    assert (row["status"], row["reason"], row["decided_by"], row["decided_as"]) == (
        "已驳回", "用途与所申请信息项不符", "公安-王", "gaj"
    )  # fmt: skip
    assert row["decided_at"] and row["grant_id"] is None
    assert not read_snapshot(city).grants_for("xczx", _code(city, HOUSEHOLD))
    listed = _cli(city, "list", "--consumer", "xczx", "--status", "已驳回")
    assert app_id in listed.output and "用途与所申请信息项不符" in listed.output


def test_a_withdrawn_application_can_no_longer_be_decided(city):
    app_id = _applied(city, "zrzy", "name")
    done = _cli(city, "withdraw", app_id, "--by", "自然资源-钱", "--reason", "需求取消")
    assert done.exit_code == 0, done.output
    row = warehouse_rows(city, "SELECT status, reason FROM sharing.applications WHERE application_id = ?", [app_id])
    assert row == [{"status": "已撤回", "reason": "需求取消"}]
    late = _cli(city, "approve", app_id, "--as", "gaj", "--by", "公安-王")
    assert late.exit_code == 1 and f"application {app_id} is 已撤回, not 待审批" in late.output


def test_the_list_filters_by_resource_consumer_and_status(city):
    pending = _applied(city, "swj", "name")
    grant_id = _approved(city, _applied(city, "swj", "gender"))
    listed = _cli(city, "list", "--consumer", "swj", "--status", "待审批")
    assert listed.exit_code == 0 and pending in listed.output and grant_id not in listed.output
    in_force = _cli(city, "list", "--consumer", "swj", "--resource", HOUSEHOLD, "--status", "有效").output
    assert grant_id in in_force and pending not in in_force
    assert "no application or grant matches" in _cli(city, "list", "--consumer", "swj", "--resource", ENTERPRISE).output


def test_a_revoked_grant_is_out_of_force_when_the_command_returns(city):
    grant_id = _approved(city, _applied(city, "wjw", "name"))
    gateway = AccessReader(city)
    assert gateway.current().grants_for("wjw", _code(city, HOUSEHOLD))
    done = _cli(city, "revoke", grant_id, "--by", "公安-王", "--reason", "核查已结束")
    assert done.exit_code == 0, done.output
    assert gateway.current().grants_for("wjw", _code(city, HOUSEHOLD)) == []
    row = warehouse_rows(city, "SELECT * FROM sharing.grants WHERE grant_id = ?", [grant_id])[0]
    assert (row["revoked_by"], row["revoked_reason"]) == ("公安-王", "核查已结束") and row["revoked_at"]
    assert grant_id in _cli(city, "list", "--status", "已撤销").output


def test_a_grant_is_out_of_force_after_its_end_date(city):
    grant_id = _approved(city, _applied(city, "yjj", "name", until="2027-03-01"))
    code = _code(city, HOUSEHOLD)
    end = datetime(2027, 3, 1, 16, tzinfo=UTC)  # 2 March 00:00 in the city
    snapshot = read_snapshot(city)
    assert [g.grant_id for g in snapshot.grants_for("yjj", code, now=end - timedelta(seconds=1))] == [grant_id]
    assert snapshot.grants_for("yjj", code, now=end) == []


def test_every_change_is_in_the_history_with_who_and_what(city):
    app_id = _applied(city, "tjj", "name", "gender", by="统计-周")
    grant_id = _approved(city, app_id, "--item", "gender")
    _cli(city, "revoke", grant_id, "--by", "公安-赵", "--reason", "到期前收回")
    rows = warehouse_rows(
        city,
        "SELECT kind, subject, changed_by, old_value, new_value FROM sharing.events WHERE subject IN (?, ?) "
        "ORDER BY event_id",
        [app_id, grant_id],
    )
    assert [(r["kind"], r["subject"], r["changed_by"]) for r in rows] == [
        ("application.filed", app_id, "统计-周"),
        ("application.approved", app_id, "公安-王"),
        ("grant.created", grant_id, "公安-王"),
        ("grant.revoked", grant_id, "公安-赵"),
    ]
    assert json.loads(rows[1]["old_value"]) == {"status": "待审批"}
    assert json.loads(rows[1]["new_value"])["status"] == "已批准"
    assert json.loads(rows[2]["new_value"])["items"] == ["gender"]
    assert json.loads(rows[3]["new_value"])["revoked_reason"] == "到期前收回"


def test_every_action_is_audited_refusals_included(city):
    app_id = _applied(city, "dsj", "name", by="大数据局-孙")
    _cli(city, "approve", app_id, "--as", "mzj", "--by", "民政-李")  # refused: not the provider
    _cli(city, "reject", app_id, "--as", "gaj", "--by", "公安-王", "--reason", "不符合条件")
    records = [(r["action"], r["subject"], r["outcome"], r["actor"]) for r in _audit(city) if r["subject"] == app_id]
    assert records == [
        ("share.apply", app_id, "ok", "大数据局-孙"),
        ("share.approve", app_id, "refused", "民政-李"),
        ("share.reject", app_id, "ok", "公安-王"),
    ]
    refused = [r for r in _audit(city) if r["action"] == "share.apply" and r["outcome"] == "refused"]
    assert refused and all(r["details"]["error"] for r in refused)


def test_the_site_shows_the_consumer_of_a_grant_in_force(city):
    from catalog.site import write_site

    _approved(city, _applied(city, "scjg", "name", "region_code"))
    write_site(city)
    page = (city.reports / "catalog" / "resources" / f"{_code(city, HOUSEHOLD).replace('/', '-')}.html").read_text(
        encoding="utf-8"
    )
    section = page.split('id="sharing-section"')[1].split("</section>")[0]
    assert 'data-consumer="scjg"' in section and "滨州市市场监督管理局" in section and "低保资格核查" in section


def test_catalog_show_names_the_consumers_and_open_applications_of_a_resource(city):
    grant_id = _approved(city, _applied(city, "tjj", "region_code"))
    _applied(city, "yjj", "region_code")  # waits for the provider
    shown = CliRunner().invoke(app, ["catalog", "show", HOUSEHOLD, "--home", str(city.home)], env={"COLUMNS": "250"})
    assert shown.exit_code == 0, shown.output
    consumers = shown.output.split("使用部门 consumers")[1].split("待审批申请")[0]
    assert grant_id in consumers and "滨州市统计局" in consumers
    waiting = int(re.search(r"待审批申请 open applications\s*│\s*(\d+)", shown.output).group(1))
    assert waiting == sum(1 for r in warehouse_rows(city, "SELECT status FROM sharing.applications WHERE resource = ?",
                                                    [_code(city, HOUSEHOLD)]) if r["status"] == "待审批")  # fmt: skip
