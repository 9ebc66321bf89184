"""The OpenMetadata server as the sync talks to it: the SDK's REST client, its errors as one line.

    client = connect(host, token, attempts=3, wait_seconds=2)   # OMSyncError when it cannot
    entity = client.put("/tables", payload)                      # dict: the entity the server keeps
    client.patch("/tables/<id>", ops); client.delete("/tables/<id>"); client.get("/tables/name/<fqn>")

`OpenMetadata(config)` reads the server's version when it is made, so an unreachable host or a
wrong API path ends there. Retries are the SDK's: a 5xx is retried `attempts - 1` times after
waits growing by `wait_seconds` (its REST client), a refused or dropped connection by its urllib3
adapter (backoff doubling from 1 s). Whatever still fails becomes an OMSyncError whose message is
one line naming the request and never the token.
"""

from __future__ import annotations

import re
from typing import Any

RETRIED_STATUSES = [500, 502, 503, 504]


class OMSyncError(RuntimeError):
    """The sync cannot go on; the message is the one line to show."""


def _one_line(text: str, limit: int = 300) -> str:
    line = " ".join(str(text).split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


def _unreachable(host: str, cause: BaseException) -> OMSyncError:
    found = re.search(r"Failed to establish a new connection: [^\"')]+|Name or service not known|timed out", str(cause))
    return OMSyncError(f"OpenMetadata at {host} is unreachable ({found.group(0) if found else type(cause).__name__})")


def connect(host: str, token: str, *, attempts: int = 3, wait_seconds: int = 2) -> Client:
    from metadata.generated.schema.entity.services.connections.metadata.openMetadataConnection import (
        OpenMetadataConnection,
    )
    from metadata.generated.schema.security.client.openMetadataJWTClientConfig import OpenMetadataJWTClientConfig
    from metadata.ingestion.ometa.client import RestTransportError
    from metadata.ingestion.ometa.ometa_api import OpenMetadata

    config = OpenMetadataConnection(
        hostPort=host,
        authProvider="openmetadata",
        securityConfig=OpenMetadataJWTClientConfig(jwtToken=token),
    )
    try:
        metadata = OpenMetadata(
            config,
            additional_client_config_arguments={
                "retry": max(attempts - 1, 0),
                "retry_wait": wait_seconds,
                "retry_codes": RETRIED_STATUSES,
            },
        )
    except RestTransportError as e:
        raise _unreachable(host, e.cause) from None
    except Exception as e:  # the SDK's version check: a wrong path, a refused token, another server
        raise OMSyncError(f"OpenMetadata at {host}: {_one_line(e)}") from None
    return Client(host, metadata.client)


class Client:
    def __init__(self, host: str, rest):
        self.host = host
        self._rest = rest

    def _call(self, method: str, path: str, *args, **kwargs) -> Any:
        import requests
        from metadata.ingestion.ometa.client import APIError, RestTransportError

        try:
            return getattr(self._rest, method)(path, *args, **kwargs)
        except APIError as e:
            status = e.status_code
            if status in (401, 403):
                raise OMSyncError(
                    f"OpenMetadata at {self.host} refused the token (HTTP {status}): use a bot's JWT token "
                    "(Settings → Bots → ingestion-bot) in --token-file or --token-env"
                ) from None
            if status == 404 and method in ("get", "delete"):
                return None  # not there, or already deleted (with the table it belonged to)
            raise OMSyncError(f"{method.upper()} {path}: HTTP {status}: {_one_line(e)}") from None
        except requests.HTTPError as e:
            status = e.response.status_code if e.response is not None else "?"
            if status == 404 and method in ("get", "delete"):
                return None
            raise OMSyncError(f"{method.upper()} {path}: HTTP {status}") from None
        except RestTransportError as e:
            raise _unreachable(self.host, e.cause) from None

    def _entity(self, method: str, path: str, *args) -> dict:
        answer = self._call(method, path, *args)
        if not isinstance(answer, dict):
            # the SDK answers None for what it could not read (and logged a warning)
            raise OMSyncError(f"{method.upper()} {path}: no entity in the server's answer")
        return answer

    def get(self, path: str) -> dict | None:
        return self._call("get", path)

    def put(self, path: str, body: str) -> dict:
        return self._entity("put", path, body)

    def put_empty(self, path: str, body: str) -> None:
        """A PUT the server answers without an entity (lineage)."""
        self._call("put", path, body)

    def post(self, path: str, body: str) -> dict:
        return self._entity("post", path, body)

    def patch(self, path: str, ops: str) -> dict:
        return self._entity("patch", path, ops)

    def delete(self, path: str) -> None:
        self._call("delete", path)
