"""The 共享交换 gateway: an HTTP API over the published layer, for departments and analysts.

    app = create_app(lake)          # uvicorn.run(app, host="127.0.0.1", port=8765)

Every request but /api/health carries `Authorization: Bearer <token>` (tokens: `govlake share
token create`); the caller is the token's holder and role. A consumer reads a resource's rows
under its entitlement (sharing/entitlement.py: a grant in force, or 无条件共享); analysts and
stewards read every resource masked and query the libraries with POST /sql. Masking happens in
the engine (sharing/engine.py), never here. Each request is one record in the audit log (caller,
endpoint, resource, rows, status, duration), and each token has a rate limit.

The gateway reads only the published layer — the directory export, the analysts' database and
curated Parquet — and the access snapshot; never the warehouse, so a build never waits for it
and it answers from the last publication while a build runs.
"""

from __future__ import annotations

import base64
import os
import time
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated

from fastapi import Body, FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from swagger_ui_bundle import swagger_ui_path

from govlake import audit
from govlake.pii import mask_shapes
from govlake.settings import Lake

from ..access import AccessReader, Token
from ..engine import Engine, QueryError, QueryTimeout
from ..entitlement import Denied, entitle
from ..published import NotPublished, Resource
from .config import GatewayConfig, load_config
from .formats import encode
from .ratelimit import RateLimiter

SUMMARY_KEYS = (
    "code",
    "title",
    "title_en",
    "kind",
    "sharing",
    "opening",
    "update_cycle",
    "grade",
    "rows",
    "quality_overall",
)
EXAMPLE_SQL = "SELECT gender, count(*) AS n FROM population.base_population__person GROUP BY ALL"
RESERVED = {"page", "page_size", "format", "items", "grant"}
CONSOLE = Path(__file__).with_name("console")
# The console's pages run only their own files: no inline script or style, no other origin, no
# framing; a hostile value that reached the page as markup would still run nothing.
CONSOLE_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
DESCRIPTION = """政务数据共享交换网关 — the city's sharing gateway.

Authenticate with `Authorization: Bearer <token>` (`govlake share token create`). Consumers read
the rows a grant allows (`GET /resources/{class}/{seq}/rows`), masked by each 信息项's
sensitivity unless the grant names it; analysts and stewards query the curated libraries
through masking views with `POST /sql` (one SELECT). Every call is audited."""


def request_id() -> str:
    """24 characters of base32 (a-z, 2-7): never shaped like an ID number or a mobile, so the
    value-pattern masking of the audit log and of outputs leaves it whole."""
    return base64.b32encode(os.urandom(15)).decode("ascii").lower()


class Problem(Exception):
    """An answer other than 200: status and a reason in Chinese and English (masked)."""

    def __init__(self, status: int, reason: str, headers: dict | None = None):
        super().__init__(reason)
        self.status, self.reason, self.headers = status, reason, headers or {}


def create_app(lake: Lake, config: GatewayConfig | None = None, engine: Engine | None = None) -> FastAPI:
    config = config or load_config()
    engine = engine or Engine(lake)
    access = AccessReader(lake)
    limiter = RateLimiter(config.rate_limit.per_minute, config.rate_limit.burst)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        yield
        engine.close()

    app = FastAPI(title="govlake 共享交换网关", version="1", description=DESCRIPTION, docs_url=None, lifespan=lifespan)
    _offline_docs(app)

    # -- every request: an id, a duration, one audit record ----------------------------------
    @app.middleware("http")
    async def audited(request: Request, call_next):
        request.state.id = request_id()
        request.state.audit = {}
        started = time.perf_counter()
        try:
            response = await call_next(request)
        except Exception as e:  # a bug: audited, answered without its text (it may quote data)
            request.state.audit["reason"] = f"{type(e).__name__}: {e}"
            body = {"status": 500, "reason": "内部错误 — internal error", "request": request.state.id}
            response = JSONResponse(body, 500)
        response.headers["X-Request-Id"] = request.state.id
        if request.url.path.startswith("/console"):
            response.headers.update(CONSOLE_HEADERS)
        if request.url.path.startswith(("/api/", "/resources", "/sql")):
            _audit(lake, request, response.status_code, time.perf_counter() - started)
        return response

    @app.exception_handler(Problem)
    async def problem(request: Request, e: Problem):
        request.state.audit["reason"] = e.reason
        return JSONResponse({"status": e.status, "reason": mask_shapes(e.reason)}, e.status, headers=e.headers)

    @app.exception_handler(StarletteHTTPException)
    async def http_problem(request: Request, e: StarletteHTTPException):
        return JSONResponse({"status": e.status_code, "reason": str(e.detail)}, e.status_code)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, e: RequestValidationError):
        reason = "; ".join(f"{'.'.join(map(str, err['loc']))}: {err['msg']}" for err in e.errors())
        request.state.audit["reason"] = reason
        return JSONResponse({"status": 422, "reason": mask_shapes(reason)}, 422)

    def caller(request: Request) -> Token:
        header = request.headers.get("authorization", "")
        scheme, _, secret = header.partition(" ")
        token = access.current().token(secret.strip()) if scheme.lower() == "bearer" else None
        if token is None:
            wait = limiter.take(f"anonymous:{request.client.host if request.client else '?'}")
            if wait:
                raise Problem(429, "请求过于频繁 — too many requests", {"Retry-After": str(int(wait) + 1)})
            reason = "缺少令牌 — no bearer token" if not secret else "令牌无效、已过期或已撤销 — invalid or lapsed"
            raise Problem(401, reason, {"WWW-Authenticate": "Bearer"})
        request.state.audit.update(actor=token.holder, role=token.role, token_id=token.token_id)
        wait = limiter.take(token.token_id)
        if wait:
            raise Problem(429, f"请求过于频繁 — rate limit, retry in {wait:.1f} s", {"Retry-After": str(int(wait) + 1)})
        return token

    def resource_of(request: Request, cls: str, seq: str) -> Resource:
        code = f"{cls}/{seq}"
        request.state.audit["resource"] = code
        try:
            found = engine.layer.resource(code)
        except NotPublished as e:
            raise Problem(503, f"目录尚未发布 — {e}") from None
        if found is None:
            raise Problem(404, f"目录中无资源 {code} — no such resource")
        return found

    # -- endpoints ---------------------------------------------------------------------------
    @app.get("/api/health", summary="liveness and the published directory version")
    def health():
        try:
            return {"status": "ok", "directory_version": engine.layer.version}
        except NotPublished:
            return {"status": "ok", "directory_version": None}

    @app.get("/resources", summary="the directory, as the caller may see it")
    def resources(request: Request):
        token = caller(request)
        try:
            layer = engine.layer
        except NotPublished as e:
            raise Problem(503, f"目录尚未发布 — {e}") from None
        snapshot = access.current()
        listed = [
            _summary(r, _access(token, r, snapshot)) for r in sorted(layer.resources.values(), key=lambda r: r.code)
        ]
        request.state.audit["rows"] = len(listed)
        return {"version": layer.version, "caller": _who(token), "resources": listed}

    @app.get("/resources/{cls}/{seq}", summary="one resource: fields, 信息项, quality, your access")
    def resource(request: Request, cls: str, seq: str):
        token = caller(request)
        r = resource_of(request, cls, seq)
        doc = {k: v for k, v in r.doc.items() if k not in ("items",)}
        items = [{**i, "masked": i.get("sensitivity") != "非个人信息"} for i in r.doc.get("items", [])]
        how = _access(token, r, access.current())
        return {**doc, "relation": r.relation, "items": items, "access": how, "caller": _who(token)}

    @app.get("/resources/{cls}/{seq}/rows", summary="rows under your grant, masked in the engine")
    def rows(
        request: Request,
        cls: str,
        seq: str,
        page: Annotated[int, Query(ge=1, le=10**9, description="1-based page number")] = 1,
        page_size: Annotated[int | None, Query(ge=1, description="rows per page")] = None,
        format: Annotated[str, Query(pattern="^(json|csv|parquet|arrow)$")] = "json",
        items: Annotated[str | None, Query(description="comma-separated 信息项 (default: all you may read)")] = None,
        grant: Annotated[str | None, Query(description="the grant to read under (default: newest in force)")] = None,
    ):
        token = caller(request)
        r = resource_of(request, cls, seq)
        size = page_size or config.rows.page_size
        if size > config.rows.max_page_size:
            raise Problem(400, f"每页行数上限 {config.rows.max_page_size} — page_size too large")
        filters = {k: v for k, v in request.query_params.items() if k not in RESERVED}
        asked = [i.strip() for i in items.split(",") if i.strip()] if items else None
        try:
            ent = entitle(token, r, access.current(), asked, grant)
        except Denied as e:
            raise Problem(e.status, e.reason) from None
        request.state.audit.update(grant=ent.grant.grant_id if ent.grant else None, basis=ent.basis)
        if ent.clear:
            request.state.audit["clear_items"] = list(ent.clear)  # a logged use of the grant's clear items
        try:
            result = engine.rows(r, list(ent.items), ent.clear, filters, size, (page - 1) * size, config.rows.seconds)
        except QueryTimeout as e:
            raise Problem(504, str(e)) from None
        except QueryError as e:
            raise Problem(400, str(e)) from None
        request.state.audit["rows"] = result.table.num_rows
        meta = {
            "resource": r.code,
            "title": r.title,
            "page": page,
            "page_size": size,
            "total": result.total,
            "basis": ent.basis,
            "clear": list(result.clear),
            "masked": [i for i in ent.items if (it := r.item(i)) and it.personal and i not in result.clear],
        }
        return encode(result.table, format, meta, request.state.id, r.name)

    @app.post("/sql", summary="one read-only SELECT over the curated libraries, through masking views")
    def sql(
        request: Request,
        body: Annotated[dict, Body(examples=[{"sql": EXAMPLE_SQL}])],
        format: Annotated[str, Query(pattern="^(json|csv|parquet|arrow)$")] = "json",
    ):
        token = caller(request)
        if token.role not in ("analyst", "steward"):
            raise Problem(403, "POST /sql 仅供分析人员和数据管理员 — for analysts and stewards; consumers read rows")
        text = body.get("sql") if isinstance(body, dict) else None
        if not isinstance(text, str):
            raise Problem(400, '请求体应为 {"sql": "SELECT …"} — body must be {"sql": "…"}')
        if len(text) > config.sql.max_length:
            raise Problem(400, f"查询过长 — longer than {config.sql.max_length} characters")
        request.state.audit["sql"] = text[:2000]
        try:
            result = engine.sql(text, token.role, config.sql.row_limit, config.sql.seconds)
        except QueryTimeout as e:
            raise Problem(504, str(e)) from None
        except (QueryError, ValueError) as e:  # sql_guard.Refused is a ValueError
            raise Problem(400, str(e)) from None
        except NotPublished as e:
            raise Problem(503, f"目录尚未发布 — {e}") from None
        request.state.audit["rows"] = result.table.num_rows
        meta = {"row_limit": config.sql.row_limit, "truncated": result.truncated, "seconds": round(result.seconds, 4)}
        return encode(result.table, format, meta, request.state.id)

    @app.get("/", include_in_schema=False)
    def root():
        return RedirectResponse("/console/")

    if CONSOLE.is_dir():
        app.mount("/console", StaticFiles(directory=CONSOLE, html=True), name="console")
    site = lake.reports / "catalog"
    if site.is_dir() and not site.is_symlink():
        app.mount("/site", StaticFiles(directory=site, html=True, check_dir=False), name="site")
    return app


def _offline_docs(app: FastAPI) -> None:
    """Swagger UI at /api/docs from the swagger-ui-bundle package, not a CDN: a city's intranet
    reaches no CDN, and the docs page should load nothing from outside the gateway."""
    app.mount("/api/docs-assets", StaticFiles(directory=swagger_ui_path), name="docs-assets")

    @app.get("/api/openapi-3.0.json", include_in_schema=False)
    def openapi_30():
        # the bundled Swagger UI (4.x) reads OpenAPI 3.0 only; /openapi.json stays 3.1
        return as_openapi_30(app.openapi())

    @app.get("/api/docs", include_in_schema=False)
    def docs():
        return get_swagger_ui_html(
            openapi_url="/api/openapi-3.0.json",
            title=f"{app.title} — API",
            swagger_js_url="/api/docs-assets/swagger-ui-bundle.js",
            swagger_css_url="/api/docs-assets/swagger-ui.css",
            swagger_favicon_url="/api/docs-assets/favicon-32x32.png",
        )


def as_openapi_30(doc: dict) -> dict:
    """FastAPI's OpenAPI 3.1 document in 3.0 terms: `anyOf [X, null]` → X nullable, `examples`
    lists → one `example`."""

    def down(node):
        if isinstance(node, list):
            return [down(v) for v in node]
        if not isinstance(node, dict):
            return node
        node = {k: down(v) for k, v in node.items()}
        options = node.get("anyOf")
        if isinstance(options, list) and {"type": "null"} in options:
            rest = [o for o in options if o != {"type": "null"}]
            node.pop("anyOf")
            node.update(rest[0] if len(rest) == 1 else {"anyOf": rest}, nullable=True)
        if isinstance(node.get("examples"), list) and "schema" not in node:
            examples = node.pop("examples")
            if examples:
                node["example"] = examples[0]
        return node

    return {**down(doc), "openapi": "3.0.3"}


def _who(token: Token) -> dict:
    return {"holder": token.holder, "role": token.role, "token_id": token.token_id}


def _access(token: Token, r: Resource, snapshot) -> dict:
    """How the caller may read the resource: granted (with the grant), open, apply, or refused."""
    try:
        ent = entitle(token, r, snapshot)
    except Denied as e:
        return {"readable": False, "status": e.status, "reason": mask_shapes(e.reason)}  # the status /rows answers
    out = {"readable": True, "basis": ent.basis, "items": len(ent.items)}
    if ent.grant:
        out.update(grant=ent.grant.grant_id, expires_at=ent.grant.expires_at, clear=list(ent.clear))
    return out


def _summary(r: Resource, how: dict) -> dict:
    keys = SUMMARY_KEYS
    return {
        **{k: r.doc.get(k) for k in keys},
        "relation": r.relation,  # the analysts' view, <library>.<model> (None: no curated table)
        "providers": list(r.providers),
        "items": len(r.items),
        "access": how,
    }


def _audit(lake: Lake, request: Request, status: int, seconds: float) -> None:
    facts = request.state.audit
    route = request.scope.get("route")
    details = {
        "endpoint": f"{request.method} {getattr(route, 'path', request.url.path)}",
        "request_id": request.state.id,
        "status": status,
        "rows": facts.get("rows"),
        "duration_ms": round(seconds * 1000, 2),
        **{k: v for k, v in facts.items() if k not in ("actor", "resource", "rows") and v is not None},
    }
    audit.record(
        lake,
        "gateway.request",
        subject=facts.get("resource") or request.url.path,
        outcome="ok" if status < 400 else "refused",
        actor=facts.get("actor") or "anonymous",
        details=details,
    )
