"""A small in-memory OpenMetadata on 127.0.0.1 answering the endpoints the sync uses as the server does.

    with OpenMetadataStub(token="t") as om:      # om.url → http://127.0.0.1:<port>/api
        ...
        om.writes                                # [(method, path, body)] of every PUT/PATCH/POST/DELETE
        om.entity("tables", fqn)                 # what the server keeps
        om.fail_next("PUT", "/tables", 500)      # the next such request answers 500 (scripted; DROP: no answer)

GET /v1/system/version answers without a token, as the server does; everything else wants
`Authorization: Bearer <token>` (401 otherwise). PUT on a collection creates or updates by fully
qualified name (returning the entity with id, fullyQualifiedName and version, bumped by 0.1 when
something changed); references (parent, owners, lineage ends, the test case of a result) must
exist (404 as the server says it); GET …/name/<fqn> is 200 or 404; PATCH applies a JSON Patch;
DELETE with hardDelete=false marks the entity deleted; DELETE /lineage/<type>/<id>/<type>/<id>
removes an edge.
"""

from __future__ import annotations

import copy
import json
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

VERSION = "2.0.6"
DROP = 0  # fail_next(…, DROP): the connection closed without an answer
# collection -> the request field naming the parent its fully qualified name starts with
PARENT = {
    "databases": "service",
    "databaseSchemas": "database",
    "tables": "databaseSchema",
    "tags": "classification",
    "glossaryTerms": "glossary",
    "pipelines": "service",
}
PARENT_COLLECTION = {
    "databases": "services/databaseServices",
    "databaseSchemas": "databases",
    "tables": "databaseSchemas",
    "tags": "classifications",
    "glossaryTerms": "glossaries",
    "pipelines": "services/pipelineServices",
}
ENTITY_TYPE = {"team": "teams", "table": "tables", "pipeline": "pipelines", "type": "metadata/types"}


class _NotFound(Exception):
    pass


class OpenMetadataStub:
    def __init__(self, token: str = "stub-token"):
        self.token = token
        self.requests: list[tuple[str, str, object]] = []
        self.entities: dict[str, dict[str, dict]] = {}  # collection -> fqn -> entity
        self.lineage: set[tuple[str, str]] = set()  # (from id, to id)
        self.results: dict[str, list[dict]] = {}  # test case fqn -> results
        self.types = {n: {"id": str(uuid.uuid4()), "name": n, "customProperties": []} for n in ("table", "string")}
        self._failures: list[tuple[str, str, int]] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/api"

    @property
    def writes(self) -> list[tuple[str, str, object]]:
        return [r for r in self.requests if r[0] != "GET"]

    def entity(self, collection: str, fqn: str) -> dict | None:
        return self.entities.get(collection, {}).get(fqn)

    def fail_next(self, method: str, path_prefix: str, status: int) -> None:
        self._failures.append((method, path_prefix, status))

    def __enter__(self) -> OpenMetadataStub:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()

    # the server's behaviour
    def _by_id(self, entity_id: str) -> tuple[str, dict] | None:
        for collection, found in self.entities.items():
            for e in found.values():
                if e["id"] == entity_id:
                    return collection, e
        return None

    def _require(self, collection: str, fqn: str) -> dict:
        e = self.entities.get(collection, {}).get(fqn)
        if e is None:
            raise _NotFound(f"{collection} instance for {fqn} not found")
        return e

    def _require_ref(self, ref: dict) -> None:
        if ref.get("type") == "type":
            if ref["id"] not in {t["id"] for t in self.types.values()}:
                raise _NotFound(f"type instance for {ref['id']} not found")
        elif not self._by_id(ref["id"]):
            raise _NotFound(f"{ref['type']} instance for {ref['id']} not found")

    def _fqn(self, collection: str, body: dict) -> str:
        if collection in PARENT:
            parent = body.get("parent") or body[PARENT[collection]]
            self._require(PARENT_COLLECTION[collection], parent)
            return f"{parent}.{body['name']}"
        if collection == "dataQuality/testCases":
            table = body["entityLink"].split("::")[2].rstrip(">")
            self._require("tables", table)
            return f"{table}.{body['name']}"
        if collection == "dataQuality/testSuites":
            self._require("tables", body["basicEntityReference"])
        return body["name"]

    def put(self, collection: str, body: dict) -> dict:
        if collection == "dataQuality/testSuites/executable":
            collection = "dataQuality/testSuites"
        fqn = self._fqn(collection, body)
        for owner in body.get("owners") or []:
            self._require_ref(owner)
        found = self.entities.setdefault(collection, {})
        old = found.get(fqn)
        if old is None:
            entity = {**body, "id": str(uuid.uuid4()), "fullyQualifiedName": fqn, "version": 0.1, "deleted": False}
        else:
            entity = {**old, **body, "deleted": False}
            if entity != old:
                entity["version"] = round(old["version"] + 0.1, 1)
        found[fqn] = entity
        return entity

    def patch(self, collection: str, entity_id: str, ops: list[dict]) -> dict:
        hit = self._by_id(entity_id)
        if not hit or hit[0] != collection:
            raise _NotFound(f"{collection} instance for {entity_id} not found")
        entity = copy.deepcopy(hit[1])
        for op in ops:
            *parents, last = [p.replace("~1", "/").replace("~0", "~") for p in op["path"].split("/")[1:]]
            target = entity
            for p in parents:
                target = target[int(p)] if isinstance(target, list) else target[p]
            if op["op"] == "remove":
                del target[int(last) if isinstance(target, list) else last]
            elif op["op"] in ("add", "replace"):
                target[last] = op["value"]
            else:
                raise ValueError(f"unsupported JSON Patch op {op['op']}")
        entity["version"] = round(hit[1]["version"] + 0.1, 1)
        self.entities[collection][entity["fullyQualifiedName"]] = entity
        return entity

    def _handler(self):
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet: the test reads stub.requests
                pass

            def _answer(self, status: int, body: object = None) -> None:
                data = b"" if body is None else json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _route(self, method: str) -> None:
                url = urlsplit(self.path)
                path = unquote(url.path).removeprefix("/api/v1")
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                body = json.loads(raw) if raw else None
                with stub._lock:
                    stub.requests.append((method, path + (f"?{url.query}" if url.query else ""), body))
                    if path == "/system/version":
                        return self._answer(200, {"version": VERSION, "revision": "stub", "timestamp": 0})
                    if self.headers.get("Authorization") != f"Bearer {stub.token}":
                        return self._answer(401, {"code": 401, "message": "Not Authorized! Token verification failed"})
                    for i, (m, prefix, status) in enumerate(stub._failures):
                        if m == method and path.startswith(prefix):
                            del stub._failures[i]
                            if status == DROP:
                                self.close_connection = True  # no answer at all: a dropped connection
                                return None
                            return self._answer(status, {"code": status, "message": "scripted failure"})
                    try:
                        status, answer = self._serve(method, path, parse_qs(url.query), body)
                    except _NotFound as e:
                        status, answer = 404, {"code": 404, "message": str(e)}
                    except (KeyError, ValueError, TypeError) as e:
                        status, answer = 400, {"code": 400, "message": f"bad request: {e!r}"}
                return self._answer(status, answer)

            def _serve(self, method: str, path: str, query: dict, body):
                parts = path.strip("/").split("/")
                if path.startswith("/metadata/types/"):
                    if method == "GET" and parts[2] == "name":
                        return 200, stub.types[parts[3]] if parts[3] in stub.types else _missing("type", parts[3])
                    target = next((t for t in stub.types.values() if t["id"] == parts[2]), None)
                    if target is None:
                        raise _NotFound(f"type instance for {parts[2]} not found")
                    stub._require_ref(body["propertyType"])
                    props = [p for p in target["customProperties"] if p["name"] != body["name"]]
                    target["customProperties"] = [*props, body]
                    return 200, target
                if path == "/lineage" and method == "PUT":
                    edge = body["edge"]
                    for end in ("fromEntity", "toEntity"):
                        stub._require_ref(edge[end])
                    stub.lineage.add((edge["fromEntity"]["id"], edge["toEntity"]["id"]))
                    return 200, None
                if path.startswith("/lineage/") and method == "DELETE":
                    _, from_type, from_id, to_type, to_id = parts
                    if (from_id, to_id) not in stub.lineage:
                        raise _NotFound(f"lineage {from_type} {from_id} → {to_type} {to_id} not found")
                    stub.lineage.discard((from_id, to_id))
                    return 200, None
                if path.startswith("/dataQuality/testCases/testCaseResults/") and method == "POST":
                    fqn = path.removeprefix("/dataQuality/testCases/testCaseResults/")
                    stub._require("dataQuality/testCases", fqn)
                    stub.results.setdefault(fqn, []).append(body)
                    return 200, {**body, "testCaseFQN": fqn}
                if "name" in parts and method == "GET":
                    i = parts.index("name")
                    collection, fqn = "/".join(parts[:i]), "/".join(parts[i + 1 :])
                    e = stub.entities.get(collection, {}).get(fqn)
                    return (200, e) if e and not e["deleted"] else _missing(collection, fqn)
                if method == "PUT":
                    return 200, stub.put("/".join(parts), body)
                if method == "PATCH":
                    return 200, stub.patch("/".join(parts[:-1]), parts[-1], body)
                if method == "DELETE":
                    hit = stub._by_id(parts[-1])
                    if not hit:
                        raise _NotFound(f"instance for {parts[-1]} not found")
                    if query.get("hardDelete", ["false"])[0] == "true":
                        del stub.entities[hit[0]][hit[1]["fullyQualifiedName"]]
                    else:
                        hit[1]["deleted"] = True
                    return 200, hit[1]
                raise _NotFound(f"no endpoint {method} {path}")

            def do_GET(self):
                self._route("GET")

            def do_PUT(self):
                self._route("PUT")

            def do_POST(self):
                self._route("POST")

            def do_PATCH(self):
                self._route("PATCH")

            def do_DELETE(self):
                self._route("DELETE")

        return Handler


def _missing(collection: str, fqn: str):
    raise _NotFound(f"{collection} instance for {fqn} not found")
