"""The environment Airflow runs in for this lake: home, DAG folder, SQLite metadata DB.

Airflow reads its configuration from the environment when it is first
imported, so whoever runs Airflow for govlake starts a process with this.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from govlake.settings import Lake

DAGS_FOLDER = Path(__file__).resolve().parent.parent / "dags"


def airflow_environ(lake: Lake, base: dict[str, str] | None = None) -> dict[str, str]:
    env = dict(os.environ if base is None else base)
    home = lake.airflow_home
    home.mkdir(parents=True, exist_ok=True)
    env.update(
        {
            "GOVLAKE_HOME": str(lake.home),
            "AIRFLOW_HOME": str(home),
            "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS_FOLDER),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home / 'airflow.db'}",
            "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "True",
            "AIRFLOW__LOGGING__LOGGING_LEVEL": env.get("AIRFLOW__LOGGING__LOGGING_LEVEL", "WARNING"),
            "AIRFLOW__COSMOS__ENABLE_TELEMETRY": "False",
            "SCARF_ANALYTICS": "false",
            "DO_NOT_TRACK": "1",
            # `airflow standalone` starts its components as `airflow …` from PATH: this
            # environment's, also when it is not activated
            "PATH": os.pathsep.join([os.path.dirname(sys.executable), env.get("PATH", "")]),
        }
    )
    return env
