"""The code register (catalog/codes.py): a resource keeps its code across builds, a removed
resource's code is retired and never given to another resource."""

from __future__ import annotations

from datetime import datetime

import pytest

from catalog.codes import CodeConflict, assign
from catalog.model import Resource

T1, T2, T3 = datetime(2026, 10, 1), datetime(2026, 11, 1), datetime(2026, 12, 1)


def _resource(name: str, catalog: str = "001", sequence: int = 1, item: str = "01") -> Resource:
    return Resource(
        name=name, kind="curated", class_code=1, item=item, item_name="人口", catalog=catalog, catalog_name="人员",
        sequence=sequence, title=name, title_en=name, providers=["gaj"], summary="s", format="库表",
        sharing="无条件共享", sharing_condition=None, sharing_method="数据库表共享", opening="不予开放",
        update_cycle="每日", grade="一般数据", related=[], relation=None, library="population",
    )  # fmt: skip


def test_a_new_resource_gets_the_code_its_classification_derives():
    person = _resource("person")
    register, notes = assign([], [person], T1)
    assert person.code == "101001/000001"
    assert [(r.code, r.resource, r.assigned_at) for r in register] == [("101001/000001", "person", T1)]
    assert notes == []


def test_a_resource_keeps_its_code_when_its_classification_changes():
    register, _ = assign([], [_resource("person")], T1)
    moved = _resource("person", sequence=7)
    register, notes = assign(register, [moved], T2)
    assert moved.code == "101001/000001"
    assert notes and "keeps its code 101001/000001" in notes[0]
    assert register[0].assigned_at == T1  # 发布日期: the first assignment


def test_a_removed_resource_has_its_code_retired():
    register, _ = assign([], [_resource("person"), _resource("household", catalog="002")], T1)
    register, _ = assign(register, [_resource("person")], T2)
    retired = {r.resource: r.retired_at for r in register}
    assert retired == {"person": None, "household": T2}


def test_a_retired_code_is_never_given_to_another_resource():
    register, _ = assign([], [_resource("household", catalog="002")], T1)
    register, _ = assign(register, [], T2)
    with pytest.raises(CodeConflict, match=r"101002/000001 belongs to household \(retired 2026-11-01\)"):
        assign(register, [_resource("address", catalog="002")], T3)


def test_a_code_in_use_is_not_given_to_a_second_resource():
    register, _ = assign([], [_resource("person")], T1)
    with pytest.raises(CodeConflict, match="belongs to person"):
        assign(register, [_resource("person"), _resource("someone_else")], T2)


def test_a_resource_that_comes_back_gets_its_own_code_again():
    register, _ = assign([], [_resource("household", catalog="002")], T1)
    register, _ = assign(register, [], T2)
    back = _resource("household", catalog="002")
    register, _ = assign(register, [back], T3)
    assert back.code == "101002/000001" and register[0].retired_at is None
