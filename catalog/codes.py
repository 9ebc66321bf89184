"""The code register: a resource keeps its code across builds; a code is never given to another.

    register = assign(register, resources, now)    # fills resource.code; the register to store

A resource's code is derived once from its classification (<类><项:2><目:3>/<顺序:6>,
catalog/model.py) and then read from the register: a later change of its 目 or 顺序 does not move
it (the register wins, and the build says so). A resource that left the directory has its code
retired; a retired code is never assigned again, except to the same resource coming back. A
derived code already held by another resource is an error naming both.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from catalog.model import Resource


class CodeConflict(ValueError):
    """Two resources would share a code; the message names both."""


@dataclass(frozen=True)
class Registration:
    code: str
    resource: str
    kind: str
    assigned_at: datetime
    retired_at: datetime | None = None


def assign(
    register: list[Registration], resources: list[Resource], now: datetime
) -> tuple[list[Registration], list[str]]:
    """(the register after this build, notes on codes the register kept against a changed classification)."""
    by_resource = {r.resource: r for r in register}
    by_code = {r.code: r for r in register}
    notes, out = [], {r.code: r for r in register}
    present = set()
    for res in resources:
        present.add(res.name)
        held = by_resource.get(res.name)
        if held:
            res.code = held.code
            if held.retired_at is not None:  # back in the directory: its own code again
                out[held.code] = replace(held, retired_at=None)
            if held.code != res.derived_code:
                notes.append(
                    f"{res.name}: keeps its code {held.code} (its classification now reads {res.derived_code})"
                )
            continue
        owner = by_code.get(res.derived_code)
        if owner and owner.resource != res.name:
            state = f"retired {owner.retired_at:%Y-%m-%d}" if owner.retired_at else "in use"
            raise CodeConflict(
                f"{res.name}: its code {res.derived_code} belongs to {owner.resource} ({state}); "
                "a code is never given to another resource: give it another 目 or 顺序"
            )
        res.code = res.derived_code
        out[res.code] = Registration(res.code, res.name, res.kind, now)
        by_code[res.code] = out[res.code]
    taken = [r.code for r in resources]
    if len(taken) != len(set(taken)):
        dupes = sorted({c for c in taken if taken.count(c) > 1})
        owners = {c: sorted(r.name for r in resources if r.code == c) for c in dupes}
        raise CodeConflict(f"resources share codes: {owners}")
    for code, reg in list(out.items()):
        if reg.resource not in present and reg.retired_at is None:
            out[code] = replace(reg, retired_at=now)
    return sorted(out.values(), key=lambda r: r.code), notes
