"""共享申请: a consuming department applies for a resource, its provider approves or rejects,
approval makes a time-limited grant, a grant can be revoked.

    app = apply(lake, consumer="mzj", resource="101001/000001", purpose=…, legal_basis=…,
                items=["person_id", "name"], clear_items=[], end_date=date(2027, 6, 30), by="民政-李")
    grant = approve(lake, app.application_id, by="公安-王", as_dept="gaj", items=None, end_date=None)
    reject(lake, application_id, by=…, as_dept=…, reason=…)
    withdraw(lake, application_id, by=…, reason=…)
    revoke(lake, grant_id, by=…, reason=…)

The rules are the published directory's (catalog.published, read from the warehouse): a
有条件共享 resource needs an application; a 无条件共享 one needs none; a 不予共享 one is
refused with its 依据 (sharing_condition). The items are the resource's 信息项; approval may
narrow what was asked (fewer items, fewer unmasked items, an earlier end), never widen it.
A grant is in force through its end date, city time (China Standard Time, UTC+8, no DST).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone

from govlake.registry import Registry, load_registry
from govlake.settings import Lake, today
from sharing.store import ShareError, dicts, event, next_id, now_utc, sql, writing

PENDING, APPROVED, REJECTED, WITHDRAWN = "待审批", "已批准", "已驳回", "已撤回"
STATUSES = (PENDING, APPROVED, REJECTED, WITHDRAWN)
CONDITIONAL, UNCONDITIONAL, NOT_SHARED = "有条件共享", "无条件共享", "不予共享"
DECISION_EVENTS = {
    APPROVED: "application.approved",
    REJECTED: "application.rejected",
    WITHDRAWN: "application.withdrawn",
}
CITY_TIME = timezone(timedelta(hours=8))


@dataclass(frozen=True)
class Resource:
    code: str
    name: str
    title: str
    sharing: str
    condition: str | None
    items: dict[str, dict]  # 信息项 name -> {name_zh, type_code, sensitivity}, published
    providers: tuple[str, ...]


def resource(con, code_or_name: str) -> Resource:
    """A resource of the published directory; ShareError when it is not published."""
    has = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'catalog' "
        "AND table_name IN ('published', 'resources')"
    ).fetchall()[0][0]
    if has < 2:
        raise ShareError("no published directory in the warehouse: run `govlake run` or `govlake catalog build`")
    rows = dicts(con, sql("resource"), [code_or_name])
    if not rows:
        raise ShareError(f"no resource {code_or_name!r} in the published directory (govlake catalog search)")
    r = rows[0]
    return Resource(r["code"], r["name"], r["title"], r["sharing"], r["sharing_condition"],
                    json.loads(r["items"]), tuple(r["providers"]))  # fmt: skip


def expiry(end: date) -> datetime:
    """The end of the end date in city time, as naive UTC (the warehouse's time)."""
    end_of_day = datetime.combine(end + timedelta(days=1), time(0), tzinfo=CITY_TIME)
    return end_of_day.astimezone(UTC).replace(tzinfo=None)


def _unknown_items(r: Resource, items: list[str]) -> None:
    unknown = [i for i in items if i not in r.items]
    if unknown:
        raise ShareError(
            f"{r.code} {r.title} has no 信息项 {', '.join(map(repr, unknown))}; its 信息项: {', '.join(r.items)}"
        )


def _unique(values: list[str] | None) -> list[str]:
    return list(dict.fromkeys(v.strip() for v in values or [] if v.strip()))


def _check_shareable(r: Resource) -> None:
    if r.sharing == UNCONDITIONAL:
        raise ShareError(
            f"{r.code} {r.title} is {UNCONDITIONAL}: no application is needed — any consumer token reads it, "
            "its sensitive 信息项 masked"
        )
    if r.sharing != CONDITIONAL:
        raise ShareError(f"{r.code} {r.title} is {r.sharing}: applications are refused. 依据: {r.condition or '—'}")


def _check_consumer(consumer: str, r: Resource, registry: Registry) -> None:
    if consumer not in registry.departments:
        raise ShareError(f"unknown department {consumer!r}; departments: {', '.join(sorted(registry.departments))}")
    if consumer in r.providers:
        raise ShareError(f"{consumer} provides {r.code} {r.title}: a department does not apply for its own data")


def _check_end(end: date) -> None:
    if end <= today():
        raise ShareError(f"the end date {end.isoformat()} is not in the future (today is {today().isoformat()})")


def apply(
    lake: Lake,
    *,
    consumer: str,
    resource_code: str,
    purpose: str,
    legal_basis: str,
    items: list[str],
    end_date: date,
    by: str,
    clear_items: list[str] | None = None,
    registry: Registry | None = None,
) -> dict:
    """File an application (待审批); returns its row."""
    registry = registry or load_registry()
    items, clear = _unique(items), _unique(clear_items)
    with writing(lake, "share.apply", subject=resource_code, actor=by) as (con, entry):
        r = resource(con, resource_code)
        entry.details.update(resource=r.code, consumer=consumer, items=items, clear_items=clear)
        _check_shareable(r)
        _check_consumer(consumer, r, registry)
        for what, text in (("purpose (--purpose)", purpose), ("legal basis (--legal-basis)", legal_basis)):
            if not text.strip():
                raise ShareError(f"an application needs its {what}")
        if not items:
            raise ShareError(f"name the 信息项 needed (--item); {r.code}'s: {', '.join(r.items)}")
        _unknown_items(r, items + clear)
        beyond = [c for c in clear if c not in items]
        if beyond:
            raise ShareError(f"unmasked items must be among the items applied for: {', '.join(beyond)}")
        _check_end(end_date)
        row = {
            "application_id": next_id(con, "application"), "consumer": consumer, "resource": r.code,
            "resource_name": r.name, "purpose": purpose.strip(), "legal_basis": legal_basis.strip(), "items": items,
            "clear_items": clear, "end_date": end_date, "status": PENDING, "applied_by": by,
            "applied_at": now_utc(),
        }  # fmt: skip
        con.execute(
            f"INSERT INTO sharing.applications ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})",
            list(row.values()),
        )
        event(con, by, "application.filed", row["application_id"], None, row)
        entry.subject = row["application_id"]
    return row


def _application(con, application_id: str) -> dict:
    rows = dicts(con, "SELECT * FROM sharing.applications WHERE application_id = ?", [application_id])
    if not rows:
        raise ShareError(f"no application {application_id!r} (govlake share list)")
    row = rows[0]
    if row["status"] != PENDING:
        raise ShareError(f"application {application_id} is {row['status']}, not {PENDING}: nothing to decide")
    return row


def _check_provider(as_dept: str, r: Resource) -> None:
    if as_dept not in r.providers:
        raise ShareError(
            f"{as_dept!r} does not provide {r.code} {r.title}: its provider(s) {', '.join(r.providers)} decide"
        )


def _narrowed(asked: list[str], given: list[str] | None, what: str) -> list[str]:
    if given is None:
        return list(asked)
    given = _unique(given)
    more = [g for g in given if g not in asked]
    if more:
        raise ShareError(f"approval cannot grant more than was applied for: {what} {', '.join(more)} not applied for")
    return given


def approve(
    lake: Lake,
    application_id: str,
    *,
    by: str,
    as_dept: str,
    items: list[str] | None = None,
    clear_items: list[str] | None = None,
    end_date: date | None = None,
) -> dict:
    """Approve a pending application, optionally narrowed; returns the grant's row."""
    with writing(lake, "share.approve", subject=application_id, actor=by) as (con, entry):
        app = _application(con, application_id)
        r = resource(con, app["resource"])
        entry.details.update(resource=r.code, consumer=app["consumer"], decided_as=as_dept)
        _check_provider(as_dept, r)
        _check_shareable(r)  # the directory may have changed since the application
        granted = _narrowed(app["items"], items, "信息项")
        if not granted:
            raise ShareError("an approval grants at least one 信息项 (or reject the application)")
        clear = _narrowed(app["clear_items"], clear_items, "unmasked 信息项")
        clear = [c for c in clear if c in granted] if clear_items is None else clear
        beyond = [c for c in clear if c not in granted]
        if beyond:
            raise ShareError(f"unmasked items must be among the items granted: {', '.join(beyond)}")
        _unknown_items(r, granted)
        end = end_date or app["end_date"]
        if end > app["end_date"]:
            raise ShareError(f"approval cannot extend the term: applied until {app['end_date']}, not {end}")
        _check_end(end)
        now = now_utc()
        grant = {
            "grant_id": next_id(con, "grant"), "application_id": application_id, "consumer": app["consumer"],
            "resource": r.code, "items": granted, "clear_items": clear, "purpose": app["purpose"],
            "legal_basis": app["legal_basis"], "expires_at": expiry(end), "granted_by": by, "granted_as": as_dept,
            "granted_at": now,
        }  # fmt: skip
        con.execute(
            f"INSERT INTO sharing.grants ({', '.join(grant)}) VALUES ({', '.join('?' * len(grant))})",
            list(grant.values()),
        )
        _decide(con, app, APPROVED, by, as_dept, now, grant_id=grant["grant_id"])
        event(con, by, "grant.created", grant["grant_id"], None, grant)
        entry.details.update(grant=grant["grant_id"], items=granted, clear_items=clear, end_date=end.isoformat())
    return grant


def _decide(con, app: dict, status: str, by: str, as_dept: str | None, now, reason=None, grant_id=None) -> None:
    con.execute(
        "UPDATE sharing.applications SET status = ?, decided_by = ?, decided_as = ?, decided_at = ?, reason = ?, "
        "grant_id = ? WHERE application_id = ?",
        [status, by, as_dept, now, reason, grant_id, app["application_id"]],
    )
    new = {"status": status, "decided_by": by, "decided_as": as_dept, "decided_at": now, "reason": reason,
           "grant_id": grant_id}  # fmt: skip
    event(con, by, DECISION_EVENTS[status], app["application_id"], {"status": app["status"]}, new)


def _reason(reason: str, what: str) -> str:
    if not reason or not reason.strip():
        raise ShareError(f"{what} needs its reason (--reason)")
    return reason.strip()


def reject(lake: Lake, application_id: str, *, by: str, as_dept: str, reason: str) -> None:
    with writing(lake, "share.reject", subject=application_id, actor=by) as (con, entry):
        reason = _reason(reason, "a rejection")
        app = _application(con, application_id)
        r = resource(con, app["resource"])
        entry.details.update(resource=r.code, consumer=app["consumer"], decided_as=as_dept, reason=reason)
        _check_provider(as_dept, r)
        _decide(con, app, REJECTED, by, as_dept, now_utc(), reason=reason)


def withdraw(lake: Lake, application_id: str, *, by: str, reason: str) -> None:
    """The applicant takes back a pending application (已撤回)."""
    with writing(lake, "share.withdraw", subject=application_id, actor=by) as (con, entry):
        reason = _reason(reason, "a withdrawal")
        app = _application(con, application_id)
        entry.details.update(resource=app["resource"], consumer=app["consumer"], reason=reason)
        _decide(con, app, WITHDRAWN, by, None, now_utc(), reason=reason)


def revoke(lake: Lake, grant_id: str, *, by: str, reason: str) -> None:
    """End a grant now: access.json is rewritten before this returns."""
    with writing(lake, "share.revoke", subject=grant_id, actor=by) as (con, entry):
        reason = _reason(reason, "a revocation")
        rows = dicts(con, "SELECT * FROM sharing.grants WHERE grant_id = ?", [grant_id])
        if not rows:
            raise ShareError(f"no grant {grant_id!r} (govlake share list)")
        g = rows[0]
        entry.details.update(resource=g["resource"], consumer=g["consumer"], reason=reason)
        if g["revoked_at"]:
            raise ShareError(f"grant {grant_id} was revoked at {g['revoked_at']} UTC by {g['revoked_by']}")
        now = now_utc()
        con.execute(
            "UPDATE sharing.grants SET revoked_at = ?, revoked_by = ?, revoked_reason = ? WHERE grant_id = ?",
            [now, by, reason, grant_id],
        )
        event(con, by, "grant.revoked", grant_id, {"revoked_at": None},
              {"revoked_at": now, "revoked_by": by, "revoked_reason": reason})  # fmt: skip
