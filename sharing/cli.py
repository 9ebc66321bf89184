"""`govlake share …`: 共享申请 in the terminal, and the gateway's tokens.

govlake share apply --consumer DEPT --resource CODE --purpose … --legal-basis … --item X … --until DATE --by WHO
govlake share approve APP --as DEPT --by WHO [--item X …] [--clear-item X …] [--until DATE]
govlake share reject APP --as DEPT --by WHO --reason …
govlake share withdraw APP --by WHO --reason …
govlake share revoke GRANT --by WHO --reason …
govlake share list [--resource CODE] [--consumer DEPT] [--status S]
govlake share token create --for HOLDER --role consumer|analyst|steward [--days N]
govlake share token revoke TOKEN_ID --by WHO
govlake share token list
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from govlake.cli_options import HomeOpt
from sharing.export_cli import export  # light: the engine loads when it runs

app = typer.Typer(
    help="共享交换: apply for a resource's data, approve or reject, revoke grants; the gateway's tokens.",
    no_args_is_help=True,
)
token_app = typer.Typer(
    help="The gateway's bearer tokens: create (shown once, stored hashed), revoke, list.", no_args_is_help=True
)
app.add_typer(token_app, name="token")
console = Console()
err = Console(stderr=True)

GRANT_COLUMNS = (
    "授权 id",
    "申请 application",
    "使用部门 consumer",
    "资源 resource",
    "信息项 items",
    "不脱敏 unmasked",
    "用途 purpose",
    "到期 expires (UTC)",
    "状态 state",
    "批准 granted (UTC)",
)
ByOpt = Annotated[str, typer.Option("--by", help="Who does this (a person, kept with the record and audited).")]
AsOpt = Annotated[
    str, typer.Option("--as", help="The providing department deciding (a code of the registry, e.g. gaj).")
]
ReasonOpt = Annotated[str, typer.Option("--reason", help="Why: kept with the record and in the audit log.")]
ResourceFilter = Annotated[
    str | None, typer.Option("--resource", help="Only this resource (directory code or name).", show_default=False)
]
ConsumerFilter = Annotated[
    str | None, typer.Option("--consumer", help="Only this consuming department (code).", show_default=False)
]


def _lake(home):
    from govlake.settings import Lake

    return Lake.from_env(home)


def _fail(e: Exception):
    """One red line, masked (an application's free text could quote a person's number)."""
    from govlake.pii import mask_text

    err.print(f"[red]{escape(mask_text(str(e)))}[/]", soft_wrap=True)
    raise typer.Exit(1) from None


def _decide(step, *args, done: str, **kwargs) -> None:
    """One workflow step that ends an application or a grant: done's line, or the refusal's."""
    from sharing.store import ShareError

    try:
        step(*args, **kwargs)
    except ShareError as e:
        _fail(e)
    console.print(done)


def _date(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a date (YYYY-MM-DD)", param_hint=option) from None


def _when(at: datetime | None) -> str:
    return f"{at:%Y-%m-%d %H:%M}" if at else "—"


def _items(values) -> str:
    return ", ".join(values) if values else "—"


def _text(value) -> str:
    """Free text typed by a person, for a table cell: masked, rich markup shown as typed."""
    from govlake.pii import mask_text

    return escape(mask_text(str(value))) if value is not None else "—"


@app.command()
def apply(
    consumer: Annotated[str, typer.Option("--consumer", help="The applying department (a registry code, e.g. mzj).")],
    resource: Annotated[str, typer.Option("--resource", help="The resource's directory code (or its name).")],
    purpose: Annotated[str, typer.Option("--purpose", help="What the data is for (用途).")],
    legal_basis: Annotated[str, typer.Option("--legal-basis", help="The law or rule the use rests on (依据).")],
    items: Annotated[list[str], typer.Option("--item", help="A 信息项 (column name) needed; repeat for each.")],
    until: Annotated[str, typer.Option("--until", help="Last day of use, YYYY-MM-DD (in the future).")],
    by: ByOpt,
    clear_items: Annotated[
        list[str] | None,
        typer.Option("--clear-item", help="An item asked for unmasked (one of the --item); repeatable."),
    ] = None,
    home: HomeOpt = None,
):
    """Apply for a 有条件共享 resource: purpose, legal basis, the 信息项 needed, an end date. The
    application waits (待审批) for the providing department. A 无条件共享 resource needs no
    application; a 不予共享 one is refused with its 依据."""
    from sharing.store import ShareError
    from sharing.workflow import apply as do_apply

    try:
        row = do_apply(_lake(home), consumer=consumer, resource_code=resource, purpose=purpose,
                       legal_basis=legal_basis, items=items, clear_items=clear_items,
                       end_date=_date(until, "--until"), by=by)  # fmt: skip
    except ShareError as e:
        _fail(e)
    console.print(
        f"{row['application_id']} 待审批: {row['consumer']} → {row['resource']} {escape(row['resource_name'])}, "
        f"{len(row['items'])} 信息项 until {row['end_date']}; the provider decides with "
        f"`govlake share approve|reject {row['application_id']}`"
    )


@app.command()
def approve(
    application: Annotated[str, typer.Argument(help="The application id (govlake share list).")],
    as_dept: AsOpt,
    by: ByOpt,
    items: Annotated[
        list[str] | None,
        typer.Option("--item", help="Grant only these of the items applied for; repeatable (default: all)."),
    ] = None,
    clear_items: Annotated[
        list[str] | None,
        typer.Option("--clear-item", help="Deliver only these unmasked, of those applied for; repeatable."),
    ] = None,
    no_clear: Annotated[bool, typer.Option("--no-clear", help="Deliver every sensitive item masked.")] = False,
    until: Annotated[
        str | None, typer.Option("--until", help="An earlier end date, YYYY-MM-DD (never a later one).")
    ] = None,
    home: HomeOpt = None,
):
    """Approve an application as its providing department, optionally narrowed (fewer items,
    fewer unmasked items, an earlier end): a time-limited grant is made and in force at once."""
    from sharing.store import ShareError
    from sharing.workflow import approve as do_approve

    try:
        grant = do_approve(_lake(home), application, by=by, as_dept=as_dept, items=items,
                           clear_items=[] if no_clear else clear_items, end_date=_date(until, "--until"))  # fmt: skip
    except ShareError as e:
        _fail(e)
    console.print(
        f"{application} 已批准 → grant {grant['grant_id']}: {grant['consumer']} reads {grant['resource']} "
        f"({_items(grant['items'])}; unmasked: {_items(grant['clear_items'])}) until {_when(grant['expires_at'])} UTC"
    )


@app.command()
def reject(
    application: Annotated[str, typer.Argument(help="The application id (govlake share list).")],
    as_dept: AsOpt,
    by: ByOpt,
    reason: ReasonOpt,
    home: HomeOpt = None,
):
    """Reject an application as its providing department, with the reason the applicant reads."""
    from sharing.workflow import reject as do_reject

    _decide(do_reject, _lake(home), application, by=by, as_dept=as_dept, reason=reason,
            done=f"{application} 已驳回 rejected")  # fmt: skip


@app.command()
def withdraw(
    application: Annotated[str, typer.Argument(help="The application id (govlake share list).")],
    by: ByOpt,
    reason: ReasonOpt,
    home: HomeOpt = None,
):
    """Withdraw a pending application (已撤回), as the applying department."""
    from sharing.workflow import withdraw as do_withdraw

    _decide(do_withdraw, _lake(home), application, by=by, reason=reason, done=f"{application} 已撤回 withdrawn")


@app.command()
def revoke(
    grant: Annotated[str, typer.Argument(help="The grant id (govlake share list).")],
    by: ByOpt,
    reason: ReasonOpt,
    home: HomeOpt = None,
):
    """Revoke a grant: it stops working at once (the gateway's access file is rewritten before
    this returns)."""
    from sharing.workflow import revoke as do_revoke

    _decide(do_revoke, _lake(home), grant, by=by, reason=reason, done=f"{grant} 已撤销 revoked")


@app.command("list")
def list_(
    resource: ResourceFilter = None,
    consumer: ConsumerFilter = None,
    status: Annotated[
        str | None,
        typer.Option(
            "--status",
            help="Only applications in this status (待审批 已批准 已驳回 已撤回) and grants in this state "
            "(有效 已到期 已撤销).",
            show_default=False,
        ),
    ] = None,
    home: HomeOpt = None,
):
    """The applications (申请) and grants (授权), filtered by resource, consumer or status."""
    from sharing.listing import GRANT_STATES, applications, grants
    from sharing.workflow import STATUSES

    if status and status not in STATUSES + GRANT_STATES:
        raise typer.BadParameter(f"{status!r}: one of {' '.join(STATUSES + GRANT_STATES)}", param_hint="--status")
    lake = _lake(home)
    apps = applications(lake, resource=resource, consumer=consumer, status=status if status in STATUSES else None)
    given = grants(lake, resource=resource, consumer=consumer, state=status if status in GRANT_STATES else None)
    if status in GRANT_STATES:
        apps = []
    if status in STATUSES:
        given = []
    if not apps and not given:
        console.print("no application or grant matches")
        return
    if apps:
        t = Table(title=f"共享申请 applications: {len(apps)}")
        for col in ("申请 id", "申请部门 consumer", "资源 resource", "信息项 items", "不脱敏 unmasked", "截止 until",
                    "状态 status", "申请 applied (UTC)", "审批 decided (UTC)"):  # fmt: skip
            t.add_column(col, no_wrap=col == "申请 id")
        for a in apps:
            decided = f"{a['decided_as'] or ''} {a['decided_by']}\n{_when(a['decided_at'])}" if a["decided_by"] else "—"
            if a["reason"]:
                decided += f"\n{a['reason']}"
            t.add_row(a["application_id"], a["consumer"], f"{a['resource']}\n{a['resource_name']}",
                      _items(a["items"]), _items(a["clear_items"]), str(a["end_date"]), a["status"],
                      _text(f"{a['applied_by']}\n{_when(a['applied_at'])}"), _text(decided))  # fmt: skip
        console.print(t)
    if given:
        t = Table(title=f"授权 grants: {len(given)}")
        for col in GRANT_COLUMNS:
            t.add_column(col, no_wrap=col == "授权 id")
        for g in given:
            granted = f"{g['granted_as']} {g['granted_by']}\n{_when(g['granted_at'])}"
            if g["revoked_at"]:
                granted += f"\n撤销 {g['revoked_by']} {_when(g['revoked_at'])}\n{g['revoked_reason']}"
            t.add_row(g["grant_id"], g["application_id"], g["consumer"], f"{g['resource']}\n{g['resource_name'] or ''}",
                      _items(g["items"]), _items(g["clear_items"]), _text(g["purpose"]), _when(g["expires_at"]),
                      g["state"], _text(granted))  # fmt: skip
        console.print(t)


@token_app.command("create")
def token_create(
    holder: Annotated[
        str, typer.Option("--for", help="Who holds it: a department code (consumer) or a person (analyst, steward).")
    ],
    role: Annotated[str, typer.Option("--role", help="consumer | analyst | steward.")],
    days: Annotated[int, typer.Option("--days", help="Days until it expires (1-366).")] = 90,
    by: Annotated[
        str | None, typer.Option("--by", help="Who creates it (default: the OS user).", show_default=False)
    ] = None,
    home: HomeOpt = None,
):
    """Create a token and print its secret ONCE: only its sha256 is stored. Hand it to its holder
    over a safe channel; it expires after --days, or when revoked."""
    from govlake.audit import who
    from sharing.store import ShareError
    from sharing.tokens import create

    try:
        row, secret = create(_lake(home), holder=holder, role=role, days=days, by=by or who()["user"])
    except ShareError as e:
        _fail(e)
    console.print(
        f"{row['token_id']} for {escape(row['holder'])} ({row['role']}), expires {_when(row['expires_at'])} UTC.\n"
        "The secret, shown this once (only its hash is kept):"
    )
    print(secret)  # plain: a terminal's rich wrapping must not split it


@token_app.command("revoke")
def token_revoke(
    token_id: Annotated[str, typer.Argument(help="The token's id, TKN-… (govlake share token list).")],
    by: Annotated[
        str | None, typer.Option("--by", help="Who revokes it (default: the OS user).", show_default=False)
    ] = None,
    home: HomeOpt = None,
):
    """Revoke a token: it stops working at once (the gateway's access file is rewritten before
    this returns)."""
    from govlake.audit import who
    from sharing.store import ShareError
    from sharing.tokens import revoke as do_revoke

    try:
        do_revoke(_lake(home), token_id, by=by or who()["user"])
    except ShareError as e:
        _fail(e)
    console.print(f"{token_id} 已撤销 revoked")


@token_app.command("list")
def token_list(home: HomeOpt = None):
    """The tokens: id, holder, role, expiry and whether revoked — never a secret or a hash."""
    from sharing.store import now_utc
    from sharing.tokens import listing

    rows = listing(_lake(home))
    if not rows:
        console.print("no token yet: govlake share token create --for … --role …")
        return
    now = now_utc()
    t = Table(title=f"令牌 tokens: {len(rows)}")
    for col in ("令牌 id", "持有者 holder", "角色 role", "到期 expires (UTC)", "状态 state", "创建 created (UTC)"):
        t.add_column(col, no_wrap=col == "令牌 id")
    for r in rows:
        state = "已撤销" if r["revoked_at"] else "已到期" if r["expires_at"] <= now else "有效"
        t.add_row(r["token_id"], escape(r["holder"]), r["role"], _when(r["expires_at"]), state,
                  f"{escape(r['created_by'])}\n{_when(r['created_at'])}")  # fmt: skip
    console.print(t)


app.command("export")(export)  # the masked export of a grant (sharing/export/)
