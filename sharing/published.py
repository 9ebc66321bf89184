"""What the catalog published, as the gateway and the exports read it — never the warehouse.

    layer = read_layer(lake)         # Layer: resources by code, each with its 信息项 and Parquet file
    layer.resource("101001/000001")  # Resource, or None

The published directory export (<lake>/catalog/export/directory.json, written by every
publication under the lake lock and replaced atomically) says which resources exist, their
共享属性, providers and 信息项 with sensitivity; a curated resource's rows are its Parquet file
under <lake>/curated/<library>/<model>.parquet, replaced atomically by each publication too.
A file is used only when it is a regular file inside the lake's curated folder — never through
a symlink or a name that climbs out (a directory entry is data, and data can be hostile).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from govlake.settings import Lake

DIRECTORY = Path("catalog") / "export" / "directory.json"
_MODEL = re.compile(r"[a-z][a-z0-9_]{0,127}")
SENSITIVE, PERSONAL, NOT_PERSONAL = "敏感个人信息", "个人信息", "非个人信息"
UNCONDITIONAL, CONDITIONAL, NOT_SHARED = "无条件共享", "有条件共享", "不予共享"


class NotPublished(RuntimeError):
    """Nothing published yet; the message says what to run."""


@dataclass(frozen=True)
class Item:
    name: str  # the column
    name_zh: str
    sensitivity: str  # 敏感个人信息 | 个人信息 | 非个人信息 (anything else is treated as 敏感)

    @property
    def personal(self) -> bool:
        return self.sensitivity != NOT_PERSONAL


@dataclass(frozen=True)
class Resource:
    code: str
    name: str  # dbt model or registry source id
    kind: str  # curated | source
    title: str
    sharing: str
    sharing_condition: str
    opening: str
    providers: tuple[str, ...]  # department codes
    items: tuple[Item, ...]
    parquet: Path | None  # the curated file the gateway serves; None for a source or a missing file
    library: str | None
    doc: dict  # the directory entry as published (for GET /resources/{code})

    def item(self, name: str) -> Item | None:
        return next((i for i in self.items if i.name == name), None)

    @property
    def relation(self) -> str | None:
        """The analysts' name of the resource: <library>.<model>."""
        return f"{self.library}.{self.name}" if self.library else None


@dataclass(frozen=True)
class Layer:
    version: int | None
    resources: dict[str, Resource]  # by code
    stamp: tuple  # identity of the files read: a change means a new publication

    def resource(self, code: str) -> Resource | None:
        return self.resources.get(code)


def directory_file(lake: Lake) -> Path:
    return lake.home / DIRECTORY


def layer_stamp(lake: Lake) -> tuple:
    """Identity (inode, size, mtime) of the directory export and the analysts' database."""
    out = []
    for path in (directory_file(lake), lake.analysts):
        try:
            st = path.stat()
            out.append((st.st_ino, st.st_size, st.st_mtime_ns))
        except FileNotFoundError:
            out.append(None)
    return tuple(out)


def read_layer(lake: Lake) -> Layer:
    stamp = layer_stamp(lake)
    path = directory_file(lake)
    if not path.is_file():
        raise NotPublished(f"no published directory at {path}: run `govlake run` or `govlake catalog build` first")
    doc = json.loads(path.read_text(encoding="utf-8"))
    curated = _curated_files(lake)
    resources = {}
    for r in doc.get("resources", []):
        parquet, library = curated.get(r["name"], (None, None)) if r.get("kind") == "curated" else (None, None)
        resources[r["code"]] = Resource(
            code=r["code"],
            name=r["name"],
            kind=r.get("kind", ""),
            title=r.get("title", ""),
            sharing=r.get("sharing", ""),
            sharing_condition=r.get("sharing_condition") or "",
            opening=r.get("opening", ""),
            providers=tuple(p["code"] for p in r.get("providers", [])),
            items=tuple(
                Item(i["name"], i.get("name_zh") or i["name"], i.get("sensitivity") or SENSITIVE)
                for i in r.get("items", [])
            ),
            parquet=parquet,
            library=library,
            doc=r,
        )
    return Layer(doc.get("version"), resources, stamp)


def _curated_files(lake: Lake) -> dict[str, tuple[Path, str]]:
    """model -> (its Parquet file, library) for every regular file curated/<library>/<model>.parquet."""
    root = lake.curated
    if not root.is_dir() or root.is_symlink():
        return {}
    found = {}
    for library in sorted(root.iterdir()):
        if library.is_symlink() or not library.is_dir() or not _MODEL.fullmatch(library.name):
            continue
        for file in sorted(library.glob("*.parquet")):
            if file.is_symlink() or not file.is_file() or not _MODEL.fullmatch(file.stem):
                continue
            found[file.stem] = (file.resolve(), library.name)
    return found
