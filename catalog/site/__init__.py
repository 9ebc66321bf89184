"""The directory's offline site: <lake>/reports/catalog/, opened from disk, nothing fetched.

    from catalog.site import write_site
    result = write_site(lake)              # SiteResult: where, pages, resources, departments
    result = write_site(lake, out=DIR)     # elsewhere than <lake>/reports/catalog

index.html (search and filters over the resources), resources/<code>.html (fields, 信息项,
quality by dimension, an SVG lineage graph, five masked sample rows, change history),
departments/<code>.html, changes.html, and assets/ (one stylesheet, the search script, the
search index). Read from the warehouse once (data.py), rendered (render.py), written into a
temporary directory beside the site, then swapped in entry by entry (each a rename): a reader
sees a whole old page or a whole new one, and what else lives in the directory (the exports)
is left alone. The export is recorded in the audit log (export.catalog_site).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from catalog.site.data import SiteError, collect
from catalog.site.render import render
from govlake import audit
from govlake.registry import Registry
from govlake.settings import Lake

MARKER = ".govlake-site"  # names the site's own entries, so a rebuild replaces only those
__all__ = ["SiteError", "SiteResult", "default_out", "write_site"]


@dataclass
class SiteResult:
    index: str
    pages: int
    resources: int
    departments: int
    changes: int
    held: int  # resources waiting for review, not on the site
    notes: list[str]  # what the site could not show (a table whose samples could not be read)

    def as_dict(self) -> dict:
        return dict(self.__dict__)


def default_out(lake: Lake) -> Path:
    return lake.reports / "catalog"


def _entries(files: dict[str, str]) -> list[str]:
    """The top-level names the site owns, directories first so pages link to what exists."""
    tops = {path.split("/", 1)[0] for path in files}
    return sorted(tops, key=lambda t: (t.endswith(".html"), t))


def _owned(out: Path) -> set[str]:
    marker = out / MARKER
    return set(marker.read_text(encoding="utf-8").split()) if marker.is_file() else set()


def _swap(tmp: Path, out: Path, entries: list[str], owned: set[str]) -> None:
    for name in entries:
        new, old = tmp / name, out / name
        if new.is_dir():
            if old.exists() or old.is_symlink():
                retired = tmp / f".old-{name}"
                os.rename(old, retired)
            os.rename(new, old)
        else:
            os.replace(new, old)
    for name in owned - set(entries):  # an entry an older site had
        stale = out / name
        if stale.is_dir() and not stale.is_symlink():
            shutil.rmtree(stale)
        elif stale.exists() or stale.is_symlink():
            stale.unlink()
    (tmp / MARKER).write_text("\n".join(entries) + "\n", encoding="utf-8")
    os.replace(tmp / MARKER, out / MARKER)


def write_site(lake: Lake, out: Path | str | None = None, registry: Registry | None = None) -> SiteResult:
    """Write the site; SiteError when there is no directory to publish or `out` is not safe."""
    out_dir = Path(out).absolute() if out else default_out(lake)
    if out_dir.is_symlink():
        raise SiteError(f"{out_dir} is a symbolic link: the site is written only into a real directory")
    data = collect(lake, registry)
    generated_at = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S")
    files = render(data, generated_at)
    out_dir.mkdir(parents=True, exist_ok=True)
    entries, owned = _entries(files), _owned(out_dir)
    foreign = [n for n in entries if n not in owned and ((out_dir / n).exists() or (out_dir / n).is_symlink())]
    if foreign:  # replacing them would delete what someone else put there
        raise SiteError(
            f"{out_dir} already holds {', '.join(foreign)}, not written by the site: choose another --out "
            "(an empty directory, or one the site wrote)"
        )
    tmp = Path(tempfile.mkdtemp(prefix=".site-", dir=out_dir))
    try:
        for rel, text in files.items():
            path = tmp / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        _swap(tmp, out_dir, entries, owned)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    result = SiteResult(
        index=str(out_dir / "index.html"),
        pages=sum(1 for rel in files if rel.endswith(".html")),
        resources=len(data.resources),
        departments=len(data.departments),
        changes=len(data.changes),
        held=data.held,
        notes=data.notes,
    )
    audit.record(
        lake,
        "export.catalog_site",
        subject=result.index,
        outcome="ok",
        details={
            "pages": result.pages,
            "resources": result.resources,
            "held": result.held,
            "samples": "five rows per resource, masked by the sensitivity of each 信息项, then by value pattern",
        },
    )
    return result
