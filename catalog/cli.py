"""`govlake catalog …`: the 政务信息资源目录 in the terminal.

govlake catalog build               rebuild the directory from the warehouse (govlake run does it too)
govlake catalog search WORDS        resources whose names, summary or 信息项 match every word
govlake catalog show CODE|NAME      one resource: its fields, 信息项, quality and lineage
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from govlake import duckdb_settings
from govlake.cli_options import HomeOpt

app = typer.Typer(
    help="The resource directory (政务信息资源目录): build it, search it, show a resource.",
    no_args_is_help=True,
)
console = Console()
err = Console(stderr=True)


def _lake(home):
    from govlake.settings import Lake

    return Lake.from_env(home)


def _connect(lake):
    """The directory, read-only; exits 1 with what to run when there is none."""

    if not lake.warehouse.exists():
        err.print(f"[red]no warehouse at {lake.warehouse}: run `govlake run` first[/]")
        raise typer.Exit(1)
    con = duckdb_settings.connect(lake, lake.warehouse, read_only=True)
    have = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'catalog' AND table_name = 'resources'"
    ).fetchall()[0][0]
    if not have:
        con.close()
        err.print("[red]no resource directory in the warehouse: run `govlake catalog build` (or `govlake run`)[/]")
        raise typer.Exit(1)
    return con


@app.command()
def build(home: HomeOpt = None):
    """Rebuild the directory: catalog.resources, catalog.items (信息项), catalog.relations,
    catalog.quality and the code register catalog.codes, from the dbt manifest, the
    registry, catalog/sources.yaml and the warehouse (rows, last refresh, quality, gate);
    comments on every table and column of the warehouse; and the analysts' database
    <lake>/analysts.duckdb (views over curated Parquet, code tables ref.*, comments),
    replaced atomically so an analyst never blocks the pipeline nor sees half of it.

    A resource keeps its code across builds; a resource that left the directory has its
    code retired, never given to another. Exits 1 naming the resource and field when a
    fact is missing (a model without meta.directory, a source without its entry).
    """
    from catalog.build import DirectoryError
    from catalog.codes import CodeConflict
    from catalog.config import CatalogConfigError
    from catalog.manifest import ManifestError
    from catalog.publish import publish_catalog

    lake = _lake(home)
    try:
        with err.status("resource directory …"):
            result = publish_catalog(lake)
    except (DirectoryError, CodeConflict, CatalogConfigError, ManifestError) as e:
        err.print(f"[red]{escape(str(e))}[/]")
        raise typer.Exit(1) from None
    print_directory(result, lake)


def print_directory(result: dict, lake) -> None:
    console.print(
        f"Resource directory: {result['resources']} resources, {result['items']:,} 信息项, "
        f"{result['relations']} relations → catalog.resources in [bold]{lake.warehouse}[/]"
    )
    if result.get("version"):
        console.print(f"  directory version {result['version']}: {result['published']} change(s) published")
    if result.get("pending"):
        console.print(
            f"  {result['pending']} change(s) widen access and wait for a steward: govlake catalog review",
            style="yellow",
        )
    analysts = result.get("analysts")
    if analysts:
        console.print(
            f"  analysts' database: {analysts['views']} views over curated Parquet, {analysts['code_tables']} code "
            f"tables (ref.*), comments on every table and column → [bold]{analysts['path']}[/]"
        )
    for note in result.get("notes", []):
        console.print(f"  {escape(note)}", style="yellow")
    if result.get("retired"):
        console.print(f"  retired codes: {', '.join(result['retired'])}", style="yellow")
    if result.get("export"):
        folder = Path(result["export"]["files"][0]).parent if result["export"]["files"] else "—"
        console.print(
            f"  exports of directory version {result['export']['version']}: "
            f"{len(result['export']['files'])} files → [bold]{folder}[/] (govlake catalog export)"
        )
    if result.get("site"):
        console.print(f"  site: [bold]{result['site']['index']}[/] (govlake catalog site)")
        for note in result["site"]["notes"]:
            console.print(f"  {escape(note)}", style="yellow")


@app.command()
def search(
    words: Annotated[list[str], typer.Argument(help="Words that must all match (Chinese or English, any part).")],
    home: HomeOpt = None,
):
    """List the resources whose code, name, title (Chinese or English), summary, provider or
    any 信息项 (column name, Chinese name) contains every word, case-insensitively: 信用代码
    finds the resources with a 统一社会信用代码 column."""
    con = _connect(_lake(home))
    try:
        where = " AND ".join(["strpos(lower(r.haystack), lower(?)) > 0"] * len(words))
        rows = con.execute(
            f"""
            WITH i AS (
                SELECT resource_code, string_agg(name || ' ' || name_zh || ' ' || coalesce(name_en, ''), ' ') AS words
                FROM catalog.items GROUP BY resource_code
            ), r AS (
                SELECT res.code, res.title, res.title_en, res.class_name, res.provider_names, res.sharing, res.opening,
                       concat_ws(' ', res.code, res.name, res.title, res.title_en, res.summary,
                                 array_to_string(res.provider_names, ' '), i.words) AS haystack
                FROM catalog.resources AS res LEFT JOIN i ON i.resource_code = res.code
            )
            SELECT code, title, title_en, class_name, provider_names, sharing, opening FROM r
            WHERE {where} ORDER BY code""",
            words,
        ).fetchall()
    finally:
        con.close()
    if not rows:
        err.print(f"no resource matches {' '.join(words)!r}")
        raise typer.Exit(1)
    t = Table(title=f"资源目录 resources matching {' '.join(words)!r}: {len(rows)}")
    for col in ("代码 code", "名称 title", "类 class", "提供方 provider", "共享 sharing", "开放 opening"):
        t.add_column(col, no_wrap=col.startswith("代码"))
    for code, title, title_en, cls, providers, sharing, opening in rows:
        t.add_row(code, f"{title}\n{title_en}", cls, "\n".join(providers), sharing, opening)
    console.print(t)


@app.command()
def show(
    resource: Annotated[str, typer.Argument(help="A resource code (101001/000001) or name (base_population__person).")],
    home: HomeOpt = None,
):
    """Show one resource: its directory fields, its 信息项 (name, Chinese name, type code,
    sensitivity, grade), the GB/T 36344 scores of its sources, its lineage, and who uses it
    (consumer departments with grants in force, open 共享申请)."""
    from catalog.consumers import consumers
    from govlake.registry import load_registry

    con = _connect(_lake(home))
    try:
        cur = con.execute("SELECT * FROM catalog.resources WHERE code = ? OR name = ?", [resource, resource])
        names = [d[0] for d in cur.description]
        found = cur.fetchall()
        if not found:
            err.print(f"[red]no resource {escape(resource)!r} in the directory (govlake catalog search WORDS)[/]")
            raise typer.Exit(1)
        r = dict(zip(names, found[0]))
        items = con.execute(
            "SELECT position, name, name_zh, type_code, sensitivity, grade FROM catalog.items "
            "WHERE resource_code = ? ORDER BY position",
            [r["code"]],
        ).fetchall()
        quality = con.execute(
            "SELECT source_id, batch, dimension, score FROM catalog.quality WHERE resource_code = ? "
            "AND dimension = 'overall' ORDER BY source_id",
            [r["code"]],
        ).fetchall()
        titles = dict(con.execute("SELECT code, title FROM catalog.resources").fetchall())
        used = consumers(con, load_registry()).get(r["code"], {})  # who uses it: grants in force
    finally:
        con.close()
    fields = Table(title=f"{r['code']} {r['title']} — {r['title_en']}", show_header=False)
    fields.add_column("field", style="bold")
    fields.add_column("value")
    rows = [
        ("分类 classification", f"{r['class']} {r['class_name']} / {r['item']} {r['item_name']} / "
                                f"{r['catalog']} {r['catalog_name']}"),
        ("表 table", r["relation"] or "—"),
        ("提供方 provider", "\n".join(f"{n} ({u})" for n, u in zip(r["provider_names"], r["provider_usccs"]))),
        ("摘要 summary", r["summary"]),
        ("格式 format", r["format"]),
        ("共享属性 sharing", r["sharing"] + (f"({r['sharing_condition']})" if r["sharing_condition"] else "")),
        ("共享方式 method", r["sharing_method"]),
        ("开放属性 opening", r["opening"]),
        ("更新周期 update cycle", r["update_cycle"]),
        ("数据分级 grade", r["grade"]),
        ("发布日期 published", r["published_at"]),
        ("行数 rows", f"{r['rows']:,}" if r["rows"] is not None else "—"),
        ("最近更新 last refresh", r["last_refresh"] or "—"),
        ("门禁 gate", "—" if r["gate_passed"] is None else ("通过 passed" if r["gate_passed"] else "拦截 held")),
        ("上游 upstream", "\n".join(f"{c} {titles.get(c, '')}" for c in r["upstream"]) or "—"),
        ("下游 downstream", "\n".join(f"{c} {titles.get(c, '')}" for c in r["downstream"]) or "—"),
        ("关联资源 related", "\n".join(f"{c} {titles.get(c, '')}" for c in r["related"]) or "—"),
        ("质量 quality (overall)", "\n".join(f"{s} {b}: {v:.2f}" for s, b, _, v in quality) or "—"),
        ("使用部门 consumers", "\n".join(_consumer(c) for c in used.get("consumers", [])) or "—"),
        ("待审批申请 open applications", str(used.get("open_applications", 0))),
    ]  # fmt: skip
    for k, v in rows:
        fields.add_row(k, escape(str(v)))
    console.print(fields)
    t = Table(title=f"信息项 items: {len(items)}")
    for col in ("#", "字段 name", "中文名称 Chinese name", "类型 type", "敏感程度 sensitivity", "分级 grade"):
        t.add_column(col)
    for pos, name, zh, type_code, sensitivity, grade in items:
        t.add_row(str(pos), name, zh, type_code, sensitivity, grade)
    console.print(t)


def _consumer(c: dict) -> str:
    return f"{c['consumer_name']} ({c['grant_id']}, {c['purpose']}, 至 {c['expires_at']:%Y-%m-%d})"


ByOpt = Annotated[str, typer.Option("--by", help="Who decides (kept with the change and in the audit log).")]


@app.command()
def review(home: HomeOpt = None):
    """List the changes that widen access (不予 → 有条件 → 无条件 共享/开放, a lower grade, a
    new shared resource, a sensitive 信息项 newly shared): held 待审核, unpublished until a
    steward approves them. Changes that narrow access were published at once."""
    from catalog.review import pending

    rows = pending(_lake(home))
    if not rows:
        console.print("no change waits for review: the published directory is the built one")
        return
    t = Table(title=f"待审核 changes waiting for review: {len(rows)}")
    for col in ("change", "资源 resource", "变更 kind", "字段 field", "原值 old", "新值 new", "发现 detected"):
        t.add_column(col, no_wrap=col == "change")
    for r in rows:
        t.add_row(r["change_id"], f"{r['code']}\n{r['resource']}", r["kind"], r["field"], r["old_value"] or "—",
                  r["new_value"] or "—", f"{r['detected_at']:%Y-%m-%d %H:%M}")  # fmt: skip
    console.print(t)
    console.print("govlake catalog approve CHANGE --by WHO  ·  govlake catalog reject CHANGE --reason … --by WHO")


@app.command()
def approve(
    change: Annotated[str, typer.Argument(help="The change id (govlake catalog review).")],
    by: ByOpt,
    home: HomeOpt = None,
):
    """Publish a held change: it enters the published directory as a new version; who and
    when are kept with the change and in the audit log."""
    from catalog.review import ReviewError
    from catalog.review import approve as do_approve

    try:
        version = do_approve(_lake(home), change, by)
    except ReviewError as e:
        err.print(f"[red]{escape(str(e))}[/]")
        raise typer.Exit(1) from None
    console.print(f"{change} 已发布: directory version {version}")


@app.command()
def reject(
    change: Annotated[str, typer.Argument(help="The change id (govlake catalog review).")],
    reason: Annotated[str, typer.Option("--reason", help="Why the change may not be published.")],
    by: ByOpt,
    home: HomeOpt = None,
):
    """Reject a held change: the published directory keeps its value; the change is not raised
    again while the built value stays the one rejected."""
    from catalog.review import ReviewError
    from catalog.review import reject as do_reject

    try:
        do_reject(_lake(home), change, by, reason)
    except ReviewError as e:
        err.print(f"[red]{escape(str(e))}[/]")
        raise typer.Exit(1) from None
    console.print(f"{change} 已驳回 rejected")


@app.command()
def site(
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Site directory (default: <lake>/reports/catalog).", show_default=False),
    ] = None,
    home: HomeOpt = None,
):
    """Write the directory's offline site: index.html (search over Chinese and English names,
    summaries and 信息项, filters by provider, library, 共享属性, 开放属性 and grade), a page per
    resource (fields, 信息项, quality by dimension, lineage graph, five sample rows masked by
    each item's sensitivity, change history), a page per department and the change log. Opens
    from disk with nothing fetched; shows the published directory (a change waiting for review
    is not on it). Every directory build writes it too (`govlake catalog build`, `govlake run`,
    the catalog DAG). Audited (export.catalog_site)."""
    from catalog.site import SiteError, write_site

    lake = _lake(home)
    try:
        with err.status("directory site …"):
            result = write_site(lake, out)
    except SiteError as e:
        err.print(f"[red]{escape(str(e))}[/]")
        raise typer.Exit(1) from None
    console.print(
        f"Directory site: {result.resources} resources, {result.departments} departments, "
        f"{result.pages} pages → [bold]{result.index}[/]"
    )
    for note in result.notes:
        console.print(f"  {escape(note)}", style="yellow")


@app.command()
def export(
    formats: Annotated[
        list[str] | None,
        typer.Option(
            "--format",
            "-f",
            help="json (directory.json and its JSON Schema), csv or xlsx (the 目录编制 registration form: one row "
            "per 信息项), dcat (directory.jsonld and directory.ttl), or all. Repeat it for several: "
            "-f json -f dcat. Default: all.",
            show_default=False,
        ),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Directory to write into (default: <lake>/catalog/export).", show_default=False),
    ] = None,
    home: HomeOpt = None,
):
    """Export the published directory: what stewards approved, at its current version (every file
    carries the version number). A change still 待审核 is not exported, nor a resource whose
    addition waits. Files are replaced atomically; the export is recorded in the audit log
    (export.catalog). Text passes through the value-pattern masking of ID numbers and mobiles."""
    from catalog.export import export_directory
    from catalog.export.dcat import DcatError
    from catalog.export.reader import ExportError
    from catalog.export.run import chosen

    try:
        todo = chosen(formats or [])
    except ValueError as e:
        raise typer.BadParameter(str(e), param_hint="--format") from None
    try:
        result = export_directory(_lake(home), todo, out)
    except (ExportError, DcatError) as e:
        err.print(f"[red]{escape(str(e))}[/]")
        raise typer.Exit(1) from None
    console.print(
        f"政务信息资源目录 version {result.version} ({', '.join(todo)}): "
        f"{result.resources} resources, {result.items:,} 信息项"
    )
    for f in result.files:
        console.print(f"  {escape(str(f))}")


# The Airflow DAGs to publish as pipelines: the conductor sets this (conductor/cli.py), the catalog
# does not import it (pyproject's import contracts). lake -> tuple of catalog.om_entities.Pipeline.
pipelines_provider = None


def _token(token_file: Path | None, token_env: str | None) -> str:
    """The bot's JWT token from a file or an environment variable; never printed."""
    import os

    from catalog.om_settings import TOKEN_ENV

    if token_file:
        try:
            token = token_file.read_text(encoding="utf-8").strip()
        except OSError as e:
            err.print(f"[red]cannot read the token file {escape(str(token_file))}: {escape(e.strerror or str(e))}[/]")
            raise typer.Exit(1) from None
    else:
        token = os.environ.get(token_env or TOKEN_ENV, "").strip()
    if not token:
        where = f"file {token_file}" if token_file else f"${token_env or TOKEN_ENV}"
        err.print(f"[red]no OpenMetadata token in {escape(where)}: see README, 'OpenMetadata'[/]")
        raise typer.Exit(1)
    return token


@app.command("sync-openmetadata")
def sync_openmetadata(
    host: Annotated[
        str | None,
        typer.Option(
            "--host",
            envvar="OPENMETADATA_HOST",
            help="The OpenMetadata server's API URL, e.g. http://localhost:8585/api ($OPENMETADATA_HOST).",
        ),
    ] = None,
    token_file: Annotated[
        Path | None,
        typer.Option(
            "--token-file",
            envvar="OPENMETADATA_TOKEN_FILE",
            help="A file holding the bot's JWT token, nothing else ($OPENMETADATA_TOKEN_FILE).",
        ),
    ] = None,
    token_env: Annotated[
        str | None,
        typer.Option(
            "--token-env", help="The environment variable holding the bot's JWT token (default OPENMETADATA_JWT_TOKEN)."
        ),
    ] = None,
    dry_run: Annotated[
        Path | None,
        typer.Option(
            "--dry-run",
            help="Send nothing: write every payload the sync would send to DIR (absent or empty), one JSON "
            "file per entity (DIR/<kind>/<fully qualified name>.json).",
        ),
    ] = None,  # fmt: skip
    home: HomeOpt = None,
):
    """Publish the published directory to OpenMetadata with its SDK: a CustomDatabase service
    (the SDK has no DuckDB type), one database, a schema per library, theme and department,
    every curated table and department source with its columns, types, Chinese and English
    descriptions and the directory fields as custom properties; classifications (敏感程度,
    数据分级, 共享属性, 开放属性) on tables and columns; the 一数一源 glossary linked to its
    columns; one team per department owning what it provides; lineage; a test suite per
    source with a test case per quality rule and its latest result.

    Only what changed since the last sync to this host is sent (catalog.openmetadata_sync keeps
    a hash of what was sent); a resource gone from the directory is soft-deleted; a change held
    待审核 is not sent. 5xx answers and dropped connections are retried a bounded number of times
    (catalog/openmetadata.yaml). A refused token or an unreachable host exits 1 with one line.
    """
    import logging
    import warnings

    from catalog.om_client import OMSyncError
    from catalog.om_sync import dry_run as write_dry_run
    from catalog.om_sync import sync
    from govlake.pii import mask_text

    lake = _lake(home)
    _connect(lake).close()  # exits 1 with what to run when there is no directory
    if not dry_run and not host:
        err.print("[red]no OpenMetadata server: give --host URL (or $OPENMETADATA_HOST), or --dry-run DIR[/]")
        raise typer.Exit(1)
    token = None if dry_run else _token(token_file, token_env)
    for chatter in ("metadata", "urllib3"):  # the SDK's retry warnings: the one line below says what came of them
        logging.getLogger(chatter).setLevel(logging.CRITICAL)
    with warnings.catch_warnings():  # Airflow's and the SDK's import-time notices: nothing a user acts on
        warnings.simplefilter("ignore")
        pipelines = pipelines_provider(lake) if pipelines_provider else ()
        if dry_run:
            try:
                with err.status("OpenMetadata payloads …"):
                    count = write_dry_run(lake, dry_run, pipelines=pipelines)
            except FileExistsError as e:
                err.print(f"[red]{escape(str(e))}[/]", soft_wrap=True)
                raise typer.Exit(1) from None
            console.print(f"{count} OpenMetadata payloads (nothing sent) → [bold]{escape(str(dry_run))}[/]")
            return
        try:
            with err.status(f"OpenMetadata {host} …"):
                result = sync(lake, host, token, pipelines=pipelines)
        except OMSyncError as e:
            err.print(f"[red]{escape(mask_text(str(e)))}[/]", soft_wrap=True)
            raise typer.Exit(1) from None
    done = ", ".join(
        f"{what} {sum(counts.values())}"
        for what, counts in (("created", result.created), ("updated", result.updated), ("soft-deleted", result.deleted))
        if counts
    )
    console.print(
        f"OpenMetadata {escape(host)}: {result.entities} entities; {done or 'nothing to send'}; "
        f"{result.unchanged} unchanged"
    )
