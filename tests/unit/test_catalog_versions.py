"""What a directory change does to access (catalog/versions.py): widening waits for a steward,
narrowing is published at once."""

from __future__ import annotations

import copy

from catalog.versions import NARROW, NEUTRAL, WIDEN, apply, compare

PUBLISHED = {
    "101001/000001": {
        "code": "101001/000001", "name": "person", "title": "人员", "sharing": "有条件共享",
        "sharing_condition": "仅限履职", "opening": "不予开放", "grade": "重要数据", "update_cycle": "每日",
        "items": {
            "person_id": {"name_zh": "人员标识", "type_code": "C", "sensitivity": "敏感个人信息"},
            "gender": {"name_zh": "性别", "type_code": "C", "sensitivity": "个人信息"},
        },
    }
}  # fmt: skip


def _changed(**fields):
    current = copy.deepcopy(PUBLISHED)
    current["101001/000001"].update(fields)
    return current


def _only(changes):
    assert len(changes) == 1, changes
    return changes[0]


def test_sharing_wider_than_published_widens():
    c = _only(compare(PUBLISHED, _changed(sharing="无条件共享", sharing_condition="仅限履职")))
    assert (c.kind, c.field, c.old, c.new, c.direction) == (
        "field_changed",
        "sharing",
        "有条件共享",
        "无条件共享",
        WIDEN,
    )


def test_opening_narrower_than_published_narrows():
    current = copy.deepcopy(PUBLISHED)
    published = _changed(opening="有条件开放")
    assert _only(compare(published, current)).direction == NARROW


def test_a_lower_grade_widens_and_a_higher_one_narrows():
    assert _only(compare(PUBLISHED, _changed(grade="一般数据"))).direction == WIDEN
    assert _only(compare(PUBLISHED, _changed(grade="核心数据"))).direction == NARROW


def test_a_sensitive_item_newly_in_a_shared_resource_widens():
    current = copy.deepcopy(PUBLISHED)
    current["101001/000001"]["items"]["mobile"] = {
        "name_zh": "手机号码",
        "type_code": "C",
        "sensitivity": "敏感个人信息",
    }
    c = _only(compare(PUBLISHED, current))
    assert (c.kind, c.field, c.direction) == ("item_added", "mobile", WIDEN)


def test_an_item_made_less_sensitive_widens():
    current = copy.deepcopy(PUBLISHED)
    current["101001/000001"]["items"]["gender"]["sensitivity"] = "非个人信息"
    assert _only(compare(PUBLISHED, current)).direction == WIDEN


def test_a_column_renamed_with_the_same_chinese_name_is_a_rename():
    current = copy.deepcopy(PUBLISHED)
    current["101001/000001"]["items"]["sex"] = current["101001/000001"]["items"].pop("gender")
    c = _only(compare(PUBLISHED, current))
    assert (c.kind, c.old, c.new, c.direction) == ("item_renamed", "gender", "sex", NEUTRAL)


def test_a_removed_resource_narrows_and_a_new_shared_one_widens():
    assert _only(compare(PUBLISHED, {})).direction == NARROW
    assert _only(compare({}, PUBLISHED)).direction == WIDEN


def test_a_new_cycle_is_neutral():
    assert _only(compare(PUBLISHED, _changed(update_cycle="每月"))).direction == NEUTRAL


def test_applying_every_change_makes_the_published_directory_the_built_one():
    current = _changed(sharing="无条件共享", opening="有条件开放", grade="一般数据")
    current["101001/000001"]["items"]["sex"] = current["101001/000001"]["items"].pop("gender")
    published = copy.deepcopy(PUBLISHED)
    for change in compare(published, current):
        apply(published, current, change)
    assert published == current
