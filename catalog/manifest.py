"""What the directory takes from dbt's manifest (<lake>/dbt/manifest.json, written by each build).

    models = read_manifest(lake)     # Manifest: the models, their columns and meta, the lineage

The curated resources are the models under models/base and models/theme (as transform/curated.py
publishes them; the catalog reads the same folders from the manifest rather than import the
transform stage). The staging models name their registry source (config.meta.source_id), which
is how a department source's resource is found in the lineage. Intermediate models (int_*) are
no resources: lineage passes through them to the nearest resources on either side.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from govlake.settings import Lake

CURATED_LAYERS = ("base", "theme")
MERGE_ONLY_SUFFIXES = ("__order", "_order")  # not published (transform/curated.py leaves them out)


class ManifestError(RuntimeError):
    """No dbt manifest, or one without the models the directory needs."""


@dataclass(frozen=True)
class ModelColumn:
    name: str
    description: str
    meta: dict
    data_type: str | None


@dataclass
class Model:
    unique_id: str
    name: str
    layer: str  # base | theme | staging | intermediate | …
    library: str  # the folder under the layer: population, profile, gaj …
    relation: str  # schema.table in the warehouse
    description: str
    meta: dict
    columns: list[ModelColumn]
    parents: list[str] = field(default_factory=list)  # unique ids
    source_id: str | None = None  # staging models: the registry source they type

    @property
    def curated(self) -> bool:
        return self.layer in CURATED_LAYERS

    @property
    def directory(self) -> dict:
        return self.meta.get("directory") or {}


@dataclass
class Manifest:
    models: dict[str, Model]  # unique id -> model
    exposures: dict[str, list[str]]  # exposure name -> unique ids it depends on
    generated_at: str | None = None

    def by_name(self, name: str) -> Model:
        for m in self.models.values():
            if m.name == name:
                return m
        raise KeyError(name)

    def children(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {uid: [] for uid in self.models}
        for uid, m in self.models.items():
            for p in m.parents:
                if p in out:
                    out[p].append(uid)
        return out


def manifest_path(lake: Lake) -> Path:
    return lake.home / "dbt" / "manifest.json"


def read_manifest(lake: Lake) -> Manifest:
    path = manifest_path(lake)
    if not path.exists():
        raise ManifestError(f"{path}: no dbt manifest; build the warehouse first (govlake run)")
    raw = json.loads(path.read_text(encoding="utf-8"))
    models = {}
    for uid, node in raw.get("nodes", {}).items():
        if node.get("resource_type") != "model":
            continue
        fqn = node["fqn"]  # ['govlake', 'base', 'population', 'base_population__person']
        meta = node.get("config", {}).get("meta") or node.get("meta") or {}
        models[uid] = Model(
            unique_id=uid,
            name=node["name"],
            layer=fqn[1] if len(fqn) > 2 else "",
            library=fqn[2] if len(fqn) > 3 else "",
            relation=f"{node['schema']}.{node.get('alias') or node['name']}",
            description=node.get("description") or "",
            meta=meta,
            columns=[
                ModelColumn(c["name"], c.get("description") or "", c.get("meta") or {}, c.get("data_type"))
                for c in node.get("columns", {}).values()
                if not c["name"].endswith(MERGE_ONLY_SUFFIXES)
            ],
            parents=[p for p in node.get("depends_on", {}).get("nodes", []) if p.startswith("model.")],
            source_id=meta.get("source_id"),
        )
    if not any(m.curated for m in models.values()):
        raise ManifestError(f"{path}: no base or theme model; was the dbt build complete?")
    exposures = {e["name"]: list(e.get("depends_on", {}).get("nodes", [])) for e in raw.get("exposures", {}).values()}
    return Manifest(models, exposures, raw.get("metadata", {}).get("generated_at"))
