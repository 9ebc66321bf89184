"""The source registry: the project's one statement of what each department delivers.

DAGs, readers, quality rules, staging columns and directory entries are derived
from it. `load_registry()` validates every file and fails naming the file and field.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import ValidationError

from govlake.registry.schema import City, Column, Department, Source

REGISTRY_DIR = Path(__file__).parent

__all__ = ["Registry", "RegistryError", "load_registry", "Source", "Column", "Department", "City"]


class RegistryError(ValueError):
    """A registry file is malformed; the message names the file and the field."""


@dataclass(frozen=True)
class Registry:
    city: City
    departments: dict[str, Department]
    sources: dict[str, Source]
    code_lists: dict[str, dict[str, str]]

    def source(self, source_id: str) -> Source:
        try:
            return self.sources[source_id]
        except KeyError:
            raise KeyError(f"unknown source {source_id!r}; known: {', '.join(sorted(self.sources))}") from None

    def codes(self, column: Column) -> list[str] | None:
        return column.code_values(self.code_lists)

    def authorities(self) -> dict[str, tuple[str, str]]:
        """library.attribute -> (source id, column) of its one authoritative source."""
        return {c.authority: (s.id, c.name) for s in self.sources.values() for c in s.columns if c.authority}


def _read_yaml(path: Path) -> dict:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as e:
        raise RegistryError(f"{path}: not valid YAML: {e}") from e
    if not isinstance(data, dict):
        raise RegistryError(f"{path}: expected a mapping at the top level")
    return data


def _explain(path: Path, err: ValidationError, prefix: str = "") -> RegistryError:
    lines = []
    for e in err.errors():
        loc = ".".join(str(p) for p in e["loc"])
        lines.append(f"  {prefix}{loc}: {e['msg']}")
    return RegistryError(f"{path}: invalid registry entry\n" + "\n".join(lines))


def load_registry(directory: Path | str | None = None) -> Registry:
    """Load and validate the registry (cached for the default directory)."""
    if directory is None:
        return _load_default()
    return _load(Path(directory))


@lru_cache(maxsize=1)
def _load_default() -> Registry:
    return _load(REGISTRY_DIR)


def _load(root: Path) -> Registry:
    city_path = root / "city.yaml"
    try:
        city = City.model_validate(_read_yaml(city_path))
    except ValidationError as e:
        raise _explain(city_path, e) from None
    code_lists = _read_yaml(root / "code_lists.yaml")

    departments: dict[str, Department] = {}
    sources: dict[str, Source] = {}
    files = sorted((root / "departments").glob("*.yaml"))
    if not files:
        raise RegistryError(f"{root / 'departments'}: no department files")
    for path in files:
        doc = _read_yaml(path)
        try:
            dept = Department.model_validate(doc.get("department"))
        except ValidationError as e:
            raise _explain(path, e, "department.") from None
        if dept.code != path.stem:
            raise RegistryError(f"{path}: department code {dept.code!r} differs from the file name")
        departments[dept.code] = dept
        for entity, body in (doc.get("sources") or {}).items():
            sid = f"{dept.code}.{entity}"
            try:
                src = Source.model_validate({**(body or {}), "id": sid, "department": dept.code, "entity": entity})
            except ValidationError as e:
                raise _explain(path, e, f"sources.{entity}.") from None
            for col in src.columns:
                if isinstance(col.codes, str) and col.codes not in code_lists:
                    raise RegistryError(
                        f"{path}: sources.{entity}.columns.{col.name}: code list "
                        f"{col.codes!r} is not in code_lists.yaml"
                    )
            sources[sid] = src

    owners: dict[str, str] = {}
    for src in sources.values():
        for col in src.columns:
            if col.authority:
                if col.authority in owners:
                    raise RegistryError(
                        f"{col.authority} has two authoritative sources: "
                        f"{owners[col.authority]} and {src.id}.{col.name} (一数一源 allows one)"
                    )
                owners[col.authority] = f"{src.id}.{col.name}"
    return Registry(city=city, departments=departments, sources=sources, code_lists=code_lists)
