"""The architecture's arrows (README, "Architecture") hold: conductor -> stages -> core.

The contracts live in pyproject.toml ([tool.importlinter]); this runs them as `make test`
does, so a stage that imports another stage, a core module that imports a stage, or a DAG
file that reaches past the conductor fails the suite.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_import_contracts_are_kept():
    lint = Path(sys.executable).with_name("lint-imports")
    done = subprocess.run([str(lint), "--no-cache"], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 broken" in done.stdout


def test_every_runtime_package_is_named_in_the_contracts():
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    named = set(config["tool"]["importlinter"]["root_packages"])
    packages = {p.parent.name for p in ROOT.glob("*/__init__.py")} | {"dags"}
    assert packages <= named, f"packages outside the import contracts: {sorted(packages - named)}"
