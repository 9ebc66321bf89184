import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
FIXTURES = Path(__file__).resolve().parent / "fixtures"

# Ingestion refuses batches dated after today (+ tolerance, ingest/limits.yaml). The
# suite's fixtures deliver batches up to 2026-12-31: "today" is pinned so that the
# suite does not depend on the calendar (a test may pin another date).
os.environ.setdefault("GOVLAKE_TODAY", "2027-01-31")


@pytest.fixture(scope="session")
def registry():
    from govlake.registry import load_registry

    return load_registry()


@pytest.fixture
def lake(tmp_path):
    """An empty lake in the test's own directory."""
    from govlake.settings import Lake

    return Lake.from_env(tmp_path / "lake")


@pytest.fixture
def landing(tmp_path):
    return tmp_path / "landing"
