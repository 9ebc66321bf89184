"""Directory versions: each build compared with the published directory; a change that widens
access waits for a steward, one that narrows it is published at once.

    changes = compare(published, current)       # list[Change] (pure: states in, changes out)
    direction(change)                           # widen | narrow | neutral

A resource's published state is what the directory promises outside the lake: its title, sharing
(and condition), opening, grade, update cycle and 信息项 (Chinese name, type code, sensitivity).
Widening access: 不予 → 有条件 → 无条件 共享 or 开放, a lower grade (核心 → 重要 → 一般), a new
resource that is shared or opened, a sensitive 信息项 newly in a shared resource or one made less
sensitive. Everything else (narrowing, a renamed item, a new cycle, a removed resource or item)
is published at once.
"""

from __future__ import annotations

from dataclasses import dataclass

SHARING = ("不予共享", "有条件共享", "无条件共享")
OPENING = ("不予开放", "有条件开放", "无条件开放")
GRADE = ("核心数据", "重要数据", "一般数据")  # later = less protected
SENSITIVITY = ("敏感个人信息", "个人信息", "非个人信息")  # later = less protected
FIELDS = ("title", "sharing", "sharing_condition", "opening", "grade", "update_cycle")
ORDERED = {"sharing": SHARING, "opening": OPENING, "grade": GRADE}

WIDEN, NARROW, NEUTRAL = "widen", "narrow", "neutral"
PENDING, PUBLISHED, REJECTED, SUPERSEDED = "待审核", "已发布", "已驳回", "已失效"


@dataclass(frozen=True)
class Change:
    code: str
    resource: str
    # resource_added | resource_removed | field_changed | item_added | item_removed | item_renamed | item_changed
    kind: str
    field: str  # the resource field, or the item's name (item_changed: "<item>.<attribute>")
    old: str | None
    new: str | None
    direction: str


def state(resource: dict, items: list[dict]) -> dict:
    """The published state of a resource (rows of catalog.resources and catalog.items)."""
    return {
        "code": resource["code"],
        "name": resource["name"],
        **{f: resource[f] for f in FIELDS},
        "items": {
            i["name"]: {"name_zh": i["name_zh"], "type_code": i["type_code"], "sensitivity": i["sensitivity"]}
            for i in items
        },
    }


def _shared(s: dict) -> bool:
    return s["sharing"] != "不予共享" or s["opening"] != "不予开放"


def _rank(order: tuple, value: str | None) -> int:
    return order.index(value) if value in order else -1


def compare(published: dict[str, dict], current: dict[str, dict]) -> list[Change]:
    """The changes from the published states to the current ones, by code."""
    out = []
    for code in sorted(set(current) - set(published)):
        s = current[code]
        out.append(Change(code, s["name"], "resource_added", "", None, s["title"], WIDEN if _shared(s) else NEUTRAL))
    for code in sorted(set(published) - set(current)):
        s = published[code]
        out.append(Change(code, s["name"], "resource_removed", "", s["title"], None, NARROW))
    for code in sorted(set(published) & set(current)):
        old, new = published[code], current[code]
        for f in FIELDS:
            if old.get(f) != new.get(f):
                out.append(
                    Change(code, new["name"], "field_changed", f, old.get(f), new.get(f), _field_direction(f, old, new))
                )
        out += _item_changes(code, old, new)
    return out


def _field_direction(field: str, old: dict, new: dict) -> str:
    if field in ORDERED:
        a, b = _rank(ORDERED[field], old.get(field)), _rank(ORDERED[field], new.get(field))
        return WIDEN if b > a else NARROW if b < a else NEUTRAL
    if field == "sharing_condition" and new.get("sharing") == old.get("sharing") == "有条件共享":
        return WIDEN  # a different condition may grant more: a steward reads it
    return NEUTRAL


def _item_changes(code: str, old: dict, new: dict) -> list[Change]:
    out = []
    before, after = old["items"], new["items"]
    added, removed = sorted(set(after) - set(before)), sorted(set(before) - set(after))
    renamed = {}
    for a in added:  # the same Chinese name and type under a new column name: a rename
        match = [r for r in removed if before[r]["name_zh"] == after[a]["name_zh"] and r not in renamed.values()]
        if match:
            renamed[a] = match[0]
    for a in added:
        if a in renamed:
            out.append(Change(code, new["name"], "item_renamed", a, renamed[a], a, NEUTRAL))
            continue
        sensitive = after[a]["sensitivity"] != "非个人信息" and _shared(new)
        out.append(
            Change(code, new["name"], "item_added", a, None, after[a]["sensitivity"], WIDEN if sensitive else NEUTRAL)
        )
    for r in removed:
        if r not in renamed.values():
            out.append(Change(code, new["name"], "item_removed", r, before[r]["sensitivity"], None, NARROW))
    for name in sorted(set(before) & set(after)):
        for attr in ("name_zh", "type_code", "sensitivity"):
            if before[name][attr] != after[name][attr]:
                if attr == "sensitivity":
                    a, b = _rank(SENSITIVITY, before[name][attr]), _rank(SENSITIVITY, after[name][attr])
                    way = WIDEN if b > a else NARROW
                else:
                    way = NEUTRAL
                out.append(
                    Change(
                        code, new["name"], "item_changed", f"{name}.{attr}", before[name][attr], after[name][attr], way
                    )
                )
    return out


def apply(published: dict[str, dict], current: dict[str, dict], change: Change) -> None:
    """Bring one change into the published states (in place)."""
    code = change.code
    if change.kind == "resource_added":
        published[code] = current[code]
    elif change.kind == "resource_removed":
        published.pop(code, None)
    elif change.kind == "field_changed":
        published[code][change.field] = change.new
    elif change.kind in ("item_added", "item_renamed"):
        if change.kind == "item_renamed":
            published[code]["items"].pop(change.old, None)
        published[code]["items"][change.field] = current[code]["items"][change.field]
    elif change.kind == "item_removed":
        published[code]["items"].pop(change.field, None)
    elif change.kind == "item_changed":
        name, attr = change.field.rsplit(".", 1)
        published[code]["items"][name][attr] = change.new
