"""Where the lake lives on disk. One place that knows the layout (ARCHITECTURE.md)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path

DEFAULT_HOME = Path("lake")
# The dbt project of this checkout (models, macros, seeds): read by the transform stage, and
# by quality for the project's shared vars and SQL.
DBT_PROJECT = Path(__file__).resolve().parent.parent / "dbt_project"
TODAY_ENV = "GOVLAKE_TODAY"  # YYYY-MM-DD: pins "today" (tests): future batches, due dates


def today() -> date:
    """The local date, or GOVLAKE_TODAY (YYYY-MM-DD) where tests pin it."""
    pinned = os.environ.get(TODAY_ENV)
    return date.fromisoformat(pinned) if pinned else date.today()


@dataclass(frozen=True)
class Lake:
    home: Path

    @classmethod
    def from_env(cls, home: Path | str | None = None) -> Lake:
        """`home`, else $GOVLAKE_HOME, else ./lake — always made absolute."""
        chosen = home or os.environ.get("GOVLAKE_HOME") or DEFAULT_HOME
        return cls(Path(chosen).expanduser().resolve())

    @property
    def landing(self) -> Path:
        return self.home / "landing"

    @property
    def raw(self) -> Path:
        return self.home / "raw"

    @property
    def quarantine(self) -> Path:
        return self.home / "quarantine"

    @property
    def logs(self) -> Path:
        return self.home / "logs"

    @property
    def warehouse(self) -> Path:
        return self.home / "warehouse.duckdb"

    @property
    def dbt(self) -> Path:
        """dbt's target/ and logs/, and the manifest and run results of the last run."""
        return self.home / "dbt"

    @property
    def writer_lock(self) -> Path:
        """The lock every warehouse writer holds (govlake.lock.lake_lock)."""
        return self.dbt / ".lock"

    @property
    def curated(self) -> Path:
        return self.home / "curated"

    @property
    def reports(self) -> Path:
        return self.home / "reports"

    @property
    def catalog(self) -> Path:
        return self.home / "catalog"

    @property
    def analysts(self) -> Path:
        """The analysts' database: views over curated Parquet, code tables, comments (catalog/analysts.py)."""
        return self.home / "analysts.duckdb"

    @property
    def audit(self) -> Path:
        """The append-only audit log (govlake.audit)."""
        return self.home / "audit"

    @property
    def airflow_home(self) -> Path:
        return self.home / "airflow"

    def raw_partition(self, source_id: str, batch: str) -> Path:
        return self.raw / source_id / f"batch={batch}"

    def quarantine_partition(self, source_id: str, batch: str) -> Path:
        return self.quarantine / source_id / f"batch={batch}"
