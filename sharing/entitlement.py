"""What a caller may take of a resource, and why not when it may not — one rule for the gateway
and the exports.

    ent = entitle(caller, resource, snapshot, items=["person_id", "name"], grant_id=None)
    ent.items, ent.clear, ent.grant, ent.basis      # or Denied(status, reason) is raised

- 不予共享: nobody outside the steward role reads it; the refusal quotes the resource's 依据.
- 无条件共享: any consumer reads every 信息项, personal ones masked; no application needed.
- 有条件共享: a consumer reads under a grant in force (its own, on this resource): only the
  grant's items, masked unless the grant names them for clear delivery. A refusal says which
  grant expired or was revoked and when, or that none exists and how to apply.
- analyst / steward (the bureau's own staff, through the console and POST /sql): every item,
  every personal one masked; analysts do not read 不予共享 resources.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from .access import AccessSnapshot, Grant, Token
from .published import CONDITIONAL, NOT_SHARED, UNCONDITIONAL, Resource


class Denied(Exception):
    def __init__(self, status: int, reason: str):
        super().__init__(reason)
        self.status, self.reason = status, reason


@dataclass(frozen=True)
class Entitlement:
    items: tuple[str, ...]
    clear: tuple[str, ...]  # items delivered unmasked (only ever under a grant naming them)
    grant: Grant | None
    basis: str  # why the caller may read: 无条件共享, grant GRT-…, role analyst


def entitle(
    caller: Token,
    resource: Resource,
    snapshot: AccessSnapshot,
    items: list[str] | None = None,
    grant_id: str | None = None,
    now: datetime | None = None,
) -> Entitlement:
    now = now or datetime.now(UTC)
    if resource.kind != "curated" or resource.parquet is None:
        raise Denied(404, f"{resource.code} {resource.title}: 网关不提供此资源的数据 — not served (no curated table)")
    if caller.role in ("analyst", "steward"):
        if resource.sharing == NOT_SHARED and caller.role != "steward":
            raise Denied(403, _not_shared(resource))
        return Entitlement(_chosen(resource, items, [i.name for i in resource.items]), (), None, f"role {caller.role}")
    if resource.sharing == NOT_SHARED:
        raise Denied(403, _not_shared(resource))
    if resource.sharing == UNCONDITIONAL and grant_id is None:
        return Entitlement(_chosen(resource, items, [i.name for i in resource.items]), (), None, UNCONDITIONAL)
    if resource.sharing not in (CONDITIONAL, UNCONDITIONAL):
        raise Denied(403, f"{resource.code}: 共享属性未知 ({resource.sharing}) — unknown sharing attribute")
    grant = _grant(caller.holder, resource, snapshot, grant_id, now)
    chosen = _chosen(resource, items, list(grant.items), grant=grant)
    return Entitlement(chosen, tuple(i for i in grant.clear_items if i in chosen), grant, f"grant {grant.grant_id}")


def _grant(consumer: str, resource: Resource, snapshot: AccessSnapshot, grant_id: str | None, now) -> Grant:
    if grant_id:
        grant = snapshot.grant(grant_id)
        if grant is None or grant.consumer != consumer or grant.resource != resource.code:
            raise Denied(403, f"授权 {grant_id} 不属于 {consumer} 对 {resource.code} — no such grant of yours on it")
        _in_force(grant, now)
        return grant
    in_force = snapshot.grants_for(consumer, resource.code, now)
    if in_force:
        return in_force[0]
    lapsed = sorted(
        (g for g in snapshot.grants if g.consumer == consumer and g.resource == resource.code),
        key=lambda g: g.granted_at or "",
    )
    if lapsed:
        _in_force(lapsed[-1], now)  # raises with when and why it lapsed
    raise Denied(
        403,
        f"{consumer} 无 {resource.code} {resource.title} 的有效授权（有条件共享）— no grant in force: "
        f"apply with `govlake share apply --resource {resource.code} --consumer {consumer} …`",
    )


def _in_force(grant: Grant, now) -> None:
    if grant.revoked_at and datetime.fromisoformat(grant.revoked_at) <= now:
        raise Denied(403, f"授权 {grant.grant_id} 已于 {grant.revoked_at} 撤销 — the grant was revoked")
    if grant.expires_at and now >= datetime.fromisoformat(grant.expires_at):
        raise Denied(403, f"授权 {grant.grant_id} 已于 {grant.expires_at} 到期 — the grant expired")


def _chosen(resource: Resource, asked: list[str] | None, allowed: list[str], grant: Grant | None = None):
    if not asked:
        return tuple(allowed)
    unknown = [i for i in asked if resource.item(i) is None]
    if unknown:
        raise Denied(400, f"{resource.code} 无信息项 {', '.join(unknown)} — no such item")
    outside = [i for i in asked if i not in allowed]
    if outside:
        what = f"授权 {grant.grant_id}" if grant else "your role"
        raise Denied(403, f"{what} 未包含信息项 {', '.join(outside)} — not granted")
    return tuple(dict.fromkeys(asked))


def _not_shared(resource: Resource) -> str:
    basis = resource.sharing_condition or "未说明依据"
    return f"{resource.code} {resource.title} 不予共享，依据：{basis} — not shared"
