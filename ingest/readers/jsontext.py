"""Exact JSON values as text, for the readers that parse whole documents in Python.

`json.loads` with these hooks keeps every number as the literal the sender wrote
(RawNumber) and every object as its list of members (Obj, so duplicated keys are
seen, not silently collapsed). `value_text` turns a parsed value into the raw
text the lake stores; `compact` re-serialises nested values (e.g. a GeoJSON
geometry) as compact JSON with the numbers' original literals.
"""

from __future__ import annotations

import json


class RawNumber(str):
    """A JSON number kept as its literal text."""


class Obj(list):
    """A JSON object as its (key, value) members, in order."""

    def names(self) -> list[str]:
        return [k for k, _ in self]

    def as_dict(self) -> dict:
        return dict(self)


def loads(text: str):
    return json.loads(text, **HOOKS)


HOOKS = dict(object_pairs_hook=Obj, parse_float=RawNumber, parse_int=RawNumber, parse_constant=RawNumber)


def compact(v) -> str:
    if v is None:
        return "null"
    if v is True:
        return "true"
    if v is False:
        return "false"
    if isinstance(v, RawNumber):
        return str(v)
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, Obj):
        return "{" + ",".join(json.dumps(k, ensure_ascii=False) + ":" + compact(x) for k, x in v) + "}"
    if isinstance(v, list):
        return "[" + ",".join(compact(x) for x in v) + "]"
    raise TypeError(f"not a JSON value: {type(v).__name__}")


def value_text(v) -> str | None:
    """The raw-layer text of a member's value: strings as is, null as NULL, else JSON text."""
    if v is None:
        return None
    if isinstance(v, str):  # includes RawNumber: its literal
        return str(v)
    return compact(v)


def key_differences(headers, expected, keys: list[str]) -> str:
    """How a record's keys differ from the file's header: missing, unexpected and
    duplicated keys, each listed in order ("missing a, b; unexpected c")."""
    missing = [k for k in headers if k not in keys]
    extra = [k for k in dict.fromkeys(keys) if k not in expected]
    dup = sorted({k for k in keys if keys.count(k) > 1})
    parts = (
        ([f"missing {', '.join(missing)}"] if missing else [])
        + ([f"unexpected {', '.join(extra)}"] if extra else [])
        + ([f"duplicated {', '.join(dup)}"] if dup else [])
    )
    return "; ".join(parts)
