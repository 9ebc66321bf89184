"""`govlake serve`: the 共享交换 gateway and its console on one port."""

from __future__ import annotations

from typing import Annotated

import typer

from govlake.cli_options import HomeOpt


def serve(
    home: HomeOpt = None,
    host: Annotated[str, typer.Option(help="address to listen on; 127.0.0.1 keeps it on this machine")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port")] = 8765,
    workers: Annotated[int, typer.Option(help="worker threads answering requests at once")] = 8,
) -> None:
    """Serve the 共享交换 gateway: the directory, rows under a grant, POST /sql for analysts, and the
    console (http://HOST:PORT/console/). It reads the last published state of the lake (the
    directory export, the analysts' database, curated Parquet) and the access snapshot — never
    the warehouse — so it runs beside the pipeline. Every request is audited. API docs at
    /api/docs; tokens from `govlake share token create`."""
    import anyio.to_thread
    import uvicorn

    from govlake.pii import install_masking
    from govlake.settings import Lake

    from .app import create_app

    install_masking()
    lake = Lake.from_env(home)
    app = create_app(lake)

    @app.on_event("startup")
    async def _threads() -> None:
        anyio.to_thread.current_default_thread_limiter().total_tokens = workers

    typer.echo(f"govlake gateway on http://{host}:{port}/ — console /console/, API docs /api/docs, lake {lake.home}")
    uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False)
