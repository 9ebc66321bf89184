"""Who may read which 信息项 of a resource: one rule for the gateway and the exports."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from sharing.access import AccessSnapshot, Grant, Token
from sharing.entitlement import Denied, entitle
from sharing.published import Item, Resource

NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
LATER = (NOW + timedelta(days=30)).isoformat()
EARLIER = (NOW - timedelta(days=1)).isoformat()


def _resource(sharing="有条件共享", condition="仅限依法履职", parquet=Path("/lake/curated/population/p.parquet")):
    items = (
        Item("person_id", "身份号码", "敏感个人信息"),
        Item("name", "姓名", "个人信息"),
        Item("gender", "性别", "非个人信息"),
    )
    return Resource(
        "101001/000001", "base_population__person", "curated", "人员基础信息", sharing, condition, "不予开放",
        ("gaj",), items, parquet, "population", {},
    )  # fmt: skip


def _grant(**kw):
    base = dict(grant_id="GRT-00001", consumer="rsj", resource="101001/000001", items=("person_id", "gender"),
                clear_items=(), expires_at=LATER, granted_at=EARLIER)  # fmt: skip
    return Grant(**{**base, **kw})


RSJ = Token("TKN-1", "h", "rsj", "consumer")
ANALYST = Token("TKN-2", "h", "王", "analyst")
STEWARD = Token("TKN-3", "h", "李", "steward")


def test_a_grant_in_force_gives_its_items_masked():
    ent = entitle(RSJ, _resource(), AccessSnapshot(grants=(_grant(),)), now=NOW)
    assert ent.items == ("person_id", "gender") and ent.clear == () and ent.grant.grant_id == "GRT-00001"


def test_the_items_a_grant_names_for_clear_delivery_come_clear():
    ent = entitle(RSJ, _resource(), AccessSnapshot(grants=(_grant(clear_items=("person_id",)),)), now=NOW)
    assert ent.clear == ("person_id",)


def test_asking_for_fewer_items_narrows_and_for_others_is_refused_naming_them():
    snapshot = AccessSnapshot(grants=(_grant(),))
    assert entitle(RSJ, _resource(), snapshot, items=["gender"], now=NOW).items == ("gender",)
    with pytest.raises(Denied, match="name") as refused:
        entitle(RSJ, _resource(), snapshot, items=["gender", "name"], now=NOW)
    assert refused.value.status == 403


def test_no_grant_is_refused_with_how_to_apply():
    with pytest.raises(Denied, match="govlake share apply") as refused:
        entitle(RSJ, _resource(), AccessSnapshot(), now=NOW)
    assert refused.value.status == 403


def test_an_expired_grant_is_refused_saying_when():
    with pytest.raises(Denied, match=re.escape(EARLIER) + ".*expired"):
        entitle(RSJ, _resource(), AccessSnapshot(grants=(_grant(expires_at=EARLIER),)), now=NOW)


def test_a_revoked_grant_is_refused_saying_when():
    with pytest.raises(Denied, match="revoked"):
        entitle(RSJ, _resource(), AccessSnapshot(grants=(_grant(revoked_at=EARLIER),)), now=NOW)


def test_a_grant_of_another_department_is_not_yours():
    with pytest.raises(Denied, match="no such grant of yours"):
        entitle(RSJ, _resource(), AccessSnapshot(grants=(_grant(consumer="mzj"),)), grant_id="GRT-00001", now=NOW)


def test_an_unconditionally_shared_resource_gives_every_item_masked_without_a_grant():
    ent = entitle(RSJ, _resource(sharing="无条件共享"), AccessSnapshot(), now=NOW)
    assert ent.items == ("person_id", "name", "gender") and ent.clear == () and ent.basis == "无条件共享"


def test_a_resource_not_shared_is_refused_quoting_its_basis():
    resource = _resource(sharing="不予共享", condition="《保守国家秘密法》第九条")
    for caller in (RSJ, ANALYST):
        with pytest.raises(Denied, match="保守国家秘密法"):
            entitle(caller, resource, AccessSnapshot(grants=(_grant(),)), now=NOW)


def test_a_steward_reads_every_resource_masked():
    ent = entitle(STEWARD, _resource(sharing="不予共享"), AccessSnapshot(), now=NOW)
    assert ent.items == ("person_id", "name", "gender") and ent.clear == ()


def test_a_resource_without_a_curated_table_is_not_served():
    with pytest.raises(Denied) as refused:
        entitle(ANALYST, _resource(parquet=None), AccessSnapshot(), now=NOW)
    assert refused.value.status == 404


def test_the_refusal_names_a_command_the_cli_accepts():
    import typer

    from sharing.cli import app

    with pytest.raises(Denied) as refused:
        entitle(RSJ, _resource(), AccessSnapshot(), now=NOW)
    command = re.search(r"`govlake share apply ([^`]*)`", refused.value.reason).group(1)
    named = set(re.findall(r"--[a-z-]+", command))
    apply = typer.main.get_command(app).commands["apply"]
    accepted = {opt for p in apply.params if p.param_type_name == "option" for opt in p.opts}
    assert named and named <= accepted, (named, accepted)
