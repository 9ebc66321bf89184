"""Options every govlake command shares, declared once so they read the same in every
command group (conductor's, quality's, the dispute and audit commands)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

HomeOpt = Annotated[
    Path | None,
    typer.Option("--home", help="Lake directory (default: $GOVLAKE_HOME, else ./lake).", show_default=False),
]
