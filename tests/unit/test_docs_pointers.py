"""The documentation points at files that exist: a path a README or doc names in backticks
or a link is in the repository (docs a newcomer can trust)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SKIP_DIRS = {".git", ".venv", ".tools", "lake", "fixtures", "target", "data", "node_modules"}
# lake paths, placeholders and globs describe the lake on disk, not this repository
NOT_REPO = re.compile(r"[<>*{}$]|^(lake|landing|raw|quarantine|curated|reports|logs|dbt|airflow|OUT|DIR|\.\./)")
PATH = re.compile(r"(?:`([^`\s]+)`|\]\(([^)\s#]+)(?:#[^)]*)?\))")
EXTENSIONS = (".py", ".sql", ".yml", ".yaml", ".md", ".toml", ".j2", ".csv", ".json", ".cfg")


def _markdown_files() -> list[Path]:
    return sorted(p for p in ROOT.rglob("*.md") if not SKIP_DIRS & set(p.relative_to(ROOT).parts))


def _pointers(md: Path) -> list[str]:
    found = []
    for code, link in PATH.findall(md.read_text(encoding="utf-8")):
        ref = (code or link).rstrip(".,:;)")
        if "/" in ref and ref.endswith(EXTENSIONS) and not NOT_REPO.search(ref) and "://" not in ref:
            found.append(ref)
    return found


@pytest.mark.parametrize("md", _markdown_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_every_file_a_document_names_exists(md):
    missing = [
        ref
        for ref in _pointers(md)
        if not any((base / ref).exists() for base in (ROOT, md.parent, ROOT / "dbt_project"))
    ]
    assert not missing, f"{md.relative_to(ROOT)} names files that do not exist: {missing}"


def test_no_file_cites_a_document_outside_the_repository():
    citing = [
        str(p.relative_to(ROOT))
        for p in ROOT.rglob("*")
        if p.is_file()
        and p.suffix in EXTENSIONS + (".txt",)
        and not SKIP_DIRS & set(p.relative_to(ROOT).parts)
        and "STANDARDS.md" in p.read_text(encoding="utf-8", errors="replace")
        and p.name != "test_docs_pointers.py"
    ]
    assert not citing, f"cite STANDARDS.md (outside the repository; see docs/): {citing}"
