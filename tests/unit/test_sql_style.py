"""sqlfluff finds nothing to say about dbt_project's SQL (.sqlfluff at the repository root:
duckdb dialect, dbt templater, the rules left out and why). sqlfluff runs from its own
environment, .tools/sqlfluff (`make sqlfluff`; dbt_project/sqlfluff-requirements.in says why).

The dbt templater compiles every model as dbt does (against an empty warehouse, so every
model compiles as a full refresh) — about 3 minutes on 2 cores, hence `slow`."""

import os
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow


@pytest.mark.timeout(1200)
def test_dbt_project_is_sqlfluff_clean(tmp_path):
    sqlfluff = REPO / ".tools" / "sqlfluff" / "bin" / "sqlfluff"
    assert sqlfluff.exists(), f"{sqlfluff} is missing: `make sqlfluff` installs it"
    result = subprocess.run(
        [str(sqlfluff), "lint", "dbt_project/models", "dbt_project/macros", "--processes", "2"],
        cwd=REPO,
        env={**os.environ, "GOVLAKE_HOME": str(tmp_path)},
        capture_output=True,
        text=True,
    )
    violations = [line for line in result.stdout.splitlines() if line.startswith(("L:", "=="))]
    assert result.returncode == 0, "\n".join(violations[:80]) or result.stdout[-3000:] + result.stderr[-3000:]
