"""A benchmark script of bench/ loaded as a module for its tests (bench/ holds scripts, not a
package, and the scripts import their neighbours by path)."""

from __future__ import annotations

import importlib.util
import sys
from types import ModuleType

from tests.conftest import REPO


def load_bench(name: str) -> ModuleType:
    """bench/<name>.py, registered as `bench_<name>` (its dataclasses look their module up)."""
    spec = importlib.util.spec_from_file_location(f"bench_{name}", REPO / "bench" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module
