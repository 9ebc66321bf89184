"""The gateway on loopback for tests: a real uvicorn server in a thread, and a client that keeps
every answer so a test can scan all of them for unmasked values."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import uvicorn


@contextmanager
def serving(app) -> Iterator[str]:
    """Serve `app` on 127.0.0.1 (a free port); yields the base URL; stops the server after."""
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the gateway did not start")
        time.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


class RecordingClient(httpx.Client):
    """An httpx client that keeps (request, response) of every call."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, timeout=60, **kwargs)
        self.answers: list[httpx.Response] = []

    def request(self, *args, **kwargs) -> httpx.Response:
        response = super().request(*args, **kwargs)
        self.answers.append(response)
        return response
