from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


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
