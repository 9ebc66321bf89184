"""Publish the directory to OpenMetadata, sending only what changed; or write it for review.

    result = sync(lake, host, token)          # SyncResult; OMSyncError (one line) when it cannot
    count = dry_run(lake, out_dir)            # one JSON file per entity: <kind>/<fqn>.json

Each entity's payload (catalog/om_entities.py, ids as placeholders) is hashed; the hash of what
was last sent to this host is kept in catalog.openmetadata_sync with the entity's id. An entity
whose hash is unchanged is not sent: a second sync with nothing changed sends no write. A new
entity is created (PUT, create-or-update); a changed one is patched (JSON Patch on the fields
that changed: the SDK's create_or_update says the server's PUT may keep fields such as a
description already set, and points to PATCH to change them), or PUT again when what changed is
no patchable field. An entity synced before and gone from the directory
is soft-deleted (a lineage edge removed). Every entity's state is written as soon as the server
has it, so a sync stopped half way resumes where it stopped. The sync holds the lake lock: the
state it keeps is the warehouse's. Each sync is in the audit log (catalog.sync_openmetadata: what
it sent, or its error).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

import duckdb

from catalog.om_client import Client, OMSyncError, connect
from catalog.om_entities import Entity, Pipeline, PlaceholderRefs, directory_entities, load_config
from govlake import audit, duckdb_settings
from govlake.lock import lake_lock
from govlake.settings import Lake

STATE_SQL = Path(__file__).with_name("sql") / "om_state.sql"

ROUTES = {
    "databaseService": "/services/databaseServices",
    "database": "/databases",
    "databaseSchema": "/databaseSchemas",
    "table": "/tables",
    "classification": "/classifications",
    "tag": "/tags",
    "team": "/teams",
    "glossary": "/glossaries",
    "glossaryTerm": "/glossaryTerms",
    "testSuite": "/dataQuality/testSuites",
    "testCase": "/dataQuality/testCases",
    "pipelineService": "/services/pipelineServices",
    "pipeline": "/pipelines",
}
CREATE_PATH = {"testSuite": "/dataQuality/testSuites/executable"}  # the SDK's path for a table's own suite
PATCHABLE = {"description", "displayName", "tags", "owners", "extension", "columns", "mutuallyExclusive"}
# what a removed resource takes with it, children first; teams, classifications and the service stay
# (a lineage edge gone from the directory is removed: edges have no soft deletion)
SOFT_DELETED = ("lineage", "testCase", "testSuite", "glossaryTerm", "pipeline", "table", "databaseSchema")


@dataclass
class SyncResult:
    host: str
    entities: int = 0
    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    deleted: dict[str, int] = field(default_factory=dict)
    unchanged: int = 0

    @property
    def writes(self) -> int:
        return sum(self.created.values()) + sum(self.updated.values()) + sum(self.deleted.values())


def payload(entity: Entity, refs) -> dict:
    model = entity.build(refs)
    return json.loads(model.model_dump_json(exclude_none=True, by_alias=True, context={"mask_secrets": False}))


def digest(body: dict) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def file_name(fqn: str) -> str:
    return fqn.replace("/", "_") + ".json"


def dry_run(lake: Lake, out: Path, entities: list[Entity] | None = None, pipelines: tuple[Pipeline, ...] = ()) -> int:
    """Write every payload the sync would send, one JSON file per entity, under out/<kind>/.

    out must be absent or empty: files of an earlier run left beside these would be reviewed as
    payloads this sync sends."""
    if out.exists() and any(out.iterdir()):
        raise FileExistsError(f"{out} is not empty: give a new directory for the dry run")
    entities = entities if entities is not None else directory_entities(lake, pipelines=pipelines)
    refs = PlaceholderRefs()
    for e in entities:
        path = out / e.kind / file_name(e.fqn)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(payload(e, refs), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return len(entities)


def patch_ops(old: dict, new: dict) -> list[dict] | None:
    """The JSON Patch from what was sent to what is to be sent; None when a PUT is needed."""
    changed = sorted(k for k in set(old) | set(new) if old.get(k) != new.get(k))
    if not changed or set(changed) - PATCHABLE:
        return None
    ops = []
    for key in changed:
        before, after = old.get(key), new.get(key)
        if key == "columns" and before and after and [c["name"] for c in before] == [c["name"] for c in after]:
            for i, (a, b) in enumerate(zip(before, after)):
                for f in sorted(set(a) | set(b)):
                    if a.get(f) != b.get(f):
                        path = f"/columns/{i}/{f}"
                        ops.append({"op": "remove", "path": path} if f not in b else {"op": "add", "path": path,
                                                                                     "value": b[f]})  # fmt: skip
        elif key not in new:
            ops.append({"op": "remove", "path": f"/{key}"})
        else:
            ops.append({"op": "add", "path": f"/{key}", "value": after})
    return ops


class _State:
    """catalog.openmetadata_sync for one host: what was last sent, written entity by entity."""

    def __init__(self, con: duckdb.DuckDBPyConnection, host: str):
        self.con, self.host = con, host
        sql = "\n".join(line.split("--", 1)[0] for line in STATE_SQL.read_text(encoding="utf-8").splitlines())
        for stmt in filter(str.strip, sql.split(";")):
            con.execute(stmt)
        rows = con.execute(
            "SELECT kind, fqn, id, hash, sent, deleted_at FROM catalog.openmetadata_sync WHERE host = ?", [host]
        ).fetchall()
        self.rows = {(k, f): {"id": i, "hash": h, "sent": json.loads(s), "deleted": d is not None}
                     for k, f, i, h, s, d in rows}  # fmt: skip

    def get(self, kind: str, fqn: str) -> dict | None:
        return self.rows.get((kind, fqn))

    def save(self, kind: str, fqn: str, entity_id: str | None, hash_: str, sent: dict) -> None:
        now = datetime.now(UTC).replace(tzinfo=None)
        self.con.execute(
            "INSERT OR REPLACE INTO catalog.openmetadata_sync VALUES (?, ?, ?, ?, ?, ?, ?, NULL)",
            [self.host, kind, fqn, entity_id, hash_, json.dumps(sent, ensure_ascii=False), now],
        )
        self.rows[(kind, fqn)] = {"id": entity_id, "hash": hash_, "sent": sent, "deleted": False}

    def deleted(self, kind: str, fqn: str) -> None:
        self.con.execute(
            "UPDATE catalog.openmetadata_sync SET deleted_at = ? WHERE host = ? AND kind = ? AND fqn = ?",
            [datetime.now(UTC).replace(tzinfo=None), self.host, kind, fqn],
        )
        self.rows[(kind, fqn)]["deleted"] = True


class _ServerRefs:
    """Ids as the server gave them: from the sync state, else asked by name."""

    def __init__(self, client: Client, state: _State):
        self.client, self.state, self.cache = client, state, {}

    def id(self, kind: str, fqn: str) -> str:
        if (kind, fqn) in self.cache:
            return self.cache[(kind, fqn)]
        known = self.state.get(kind, fqn)
        if known and known["id"] and not known["deleted"]:
            return known["id"]
        path = f"/metadata/types/name/{quote(fqn)}?category=field" if kind == "type" else None
        found = self.client.get(path or f"{ROUTES[kind]}/name/{quote(fqn, safe='')}")
        if not found:
            raise OMSyncError(f"OpenMetadata at {self.client.host} has no {kind} {fqn}")
        self.cache[(kind, fqn)] = found["id"]
        return found["id"]


def _send(client: Client, refs: _ServerRefs, e: Entity, body: dict, before: dict | None) -> tuple[str | None, str]:
    """Send one entity; returns its id (None for what has none) and created | updated."""
    text = json.dumps(body, ensure_ascii=False)
    how = "updated" if before else "created"
    if e.kind == "customProperty":
        client.put(f"/metadata/types/{refs.id('type', 'table')}", text)
        return None, how
    if e.kind == "lineage":
        client.put_empty("/lineage", text)
        return None, how
    if e.kind == "testCaseResult":
        client.post(f"/dataQuality/testCases/testCaseResults/{quote(e.fqn, safe='')}", text)
        return None, how
    ops = patch_ops(before["sent"], body) if before and before["id"] and not before["deleted"] else None
    if ops:
        answer = client.patch(f"{ROUTES[e.kind]}/{before['id']}", json.dumps(ops, ensure_ascii=False))
    else:
        answer = client.put(CREATE_PATH.get(e.kind, ROUTES[e.kind]), text)
    return answer["id"], how


def _delete_path(kind: str, row: dict) -> str:
    if kind == "lineage":
        a, b = row["sent"]["edge"]["fromEntity"], row["sent"]["edge"]["toEntity"]
        return f"/lineage/{a['type']}/{a['id']}/{b['type']}/{b['id']}"
    return f"{ROUTES[kind]}/{row['id']}?hardDelete=false&recursive=true"


def sync(
    lake: Lake,
    host: str,
    token: str,
    *,
    entities: list[Entity] | None = None,
    attempts: int | None = None,
    wait_seconds: int | None = None,
    pipelines: tuple[Pipeline, ...] = (),
) -> SyncResult:
    with audit.recorded(lake, "catalog.sync_openmetadata", subject=host) as entry:
        result = _sync(lake, host, token, entities, attempts, wait_seconds, pipelines)
        entry.details.update(
            entities=result.entities,
            created=result.created,
            updated=result.updated,
            deleted=result.deleted,
            unchanged=result.unchanged,
        )
    return result


def _sync(lake, host, token, entities, attempts, wait_seconds, pipelines) -> SyncResult:
    retry = load_config()["retry"]
    entities = entities if entities is not None else directory_entities(lake, pipelines=pipelines)
    placeholders = PlaceholderRefs()
    planned = [(e, digest(payload(e, placeholders))) for e in entities]
    client = connect(
        host,
        token,
        attempts=retry["attempts"] if attempts is None else attempts,
        wait_seconds=retry["wait_seconds"] if wait_seconds is None else wait_seconds,
    )
    result = SyncResult(host=host, entities=len(entities))
    with lake_lock(lake):
        con = duckdb_settings.connect(lake, lake.warehouse)
        try:
            state = _State(con, host)
            refs = _ServerRefs(client, state)
            for e, hash_ in planned:
                before = state.get(e.kind, e.fqn)
                if before and before["hash"] == hash_ and not before["deleted"]:
                    result.unchanged += 1
                    continue
                body = payload(e, refs)
                entity_id, how = _send(client, refs, e, body, before)
                state.save(e.kind, e.fqn, entity_id, hash_, body)
                counts = result.created if how == "created" else result.updated
                counts[e.kind] = counts.get(e.kind, 0) + 1
            keep = {(e.kind, e.fqn) for e in entities}
            order = {k: i for i, k in enumerate(SOFT_DELETED)}
            gone = sorted(
                (order[k], f, k)
                for (k, f), row in state.rows.items()
                if (k, f) not in keep and not row["deleted"] and k in order and (row["id"] or k == "lineage")
            )
            for _, fqn, kind in gone:
                client.delete(_delete_path(kind, state.get(kind, fqn)))
                state.deleted(kind, fqn)
                result.deleted[kind] = result.deleted.get(kind, 0) + 1
        finally:
            con.close()
    return result
