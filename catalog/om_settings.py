"""Where a deployment names its OpenMetadata server and the bot's token (the catalog DAG's sync).

    target, reason = from_environment()     # (Target, "") or (None, why there is nothing to sync to)

OPENMETADATA_HOST is the server's API URL; the token is read from the file OPENMETADATA_TOKEN_FILE
names (docker-compose.yml mounts one) or else from OPENMETADATA_JWT_TOKEN. Neither the token nor
the file's content is ever part of a reason.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

HOST_ENV = "OPENMETADATA_HOST"
TOKEN_FILE_ENV = "OPENMETADATA_TOKEN_FILE"
TOKEN_ENV = "OPENMETADATA_JWT_TOKEN"


@dataclass(frozen=True)
class Target:
    host: str
    token: str = field(repr=False)


def from_environment(environ: Mapping[str, str] | None = None) -> tuple[Target | None, str]:
    env = os.environ if environ is None else environ
    host = env.get(HOST_ENV, "").strip()
    if not host:
        return None, f"no OpenMetadata server configured (${HOST_ENV} is not set)"
    path = env.get(TOKEN_FILE_ENV, "").strip()
    if path:
        try:
            token = Path(path).read_text(encoding="utf-8").strip()
        except OSError as e:
            return None, f"OpenMetadata at {host}: cannot read the token file {path} ({e.strerror})"
        if not token:
            return None, f"OpenMetadata at {host}: the token file {path} is empty (README, 'OpenMetadata')"
        return Target(host, token), ""
    token = env.get(TOKEN_ENV, "").strip()
    if not token:
        return None, f"OpenMetadata at {host}: no token (${TOKEN_FILE_ENV} or ${TOKEN_ENV})"
    return Target(host, token), ""
