"""The published directory as OpenMetadata entities, built with the SDK's generated request models.

    entities = directory_entities(lake)     # list[Entity], in the order they must be sent
    payload = entity.build(refs)            # a pydantic Create…Request of the SDK

The published state of each resource (catalog.published: a change held 待审核 is not in it) with
the build's other fields (catalog/sql/om_resources.sql, om_items.sql), the registry (departments →
teams, the 一数一源 attributes → glossary terms), the quality stage's rules and latest results
(om_rules.sql) and the names in catalog/openmetadata.yaml. An entity refers to another by id
(owners, lineage, custom property types): `refs` resolves them — the ids the server returned
(catalog/om_sync.py) or, for a dry run and for the hash of what would be sent, a placeholder
derived from the kind and name, so a payload's hash depends only on the directory.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

import yaml

from govlake import duckdb_settings
from govlake.registry import Registry, load_registry
from govlake.settings import Lake

CONFIG_PATH = Path(__file__).with_name("openmetadata.yaml")
SQL_DIR = Path(__file__).with_name("sql")
NOT_PERSONAL = "非个人信息"


class Refs(Protocol):
    def id(self, kind: str, fqn: str) -> str:
        """The id of an entity of this kind and fully qualified name."""


class PlaceholderRefs:
    """Ids for payloads that are not sent: stable, derived from the kind and name."""

    def id(self, kind: str, fqn: str) -> str:
        return str(uuid.uuid5(uuid.NAMESPACE_URL, f"govlake:{kind}:{fqn}"))


@dataclass(frozen=True)
class Entity:
    kind: str  # databaseService, table, lineage, testCaseResult, … (catalog/om_sync.py sends each kind)
    fqn: str  # its fully qualified name in OpenMetadata: the key of what was last sent
    build: Callable[[Refs], Any]  # refs → the SDK request model


@dataclass(frozen=True)
class Pipeline:
    """An Airflow DAG as the conductor builds it (conductor/om_pipelines.py): what OpenMetadata shows of it."""

    dag_id: str
    description: str
    tasks: tuple[tuple[str, tuple[str, ...]], ...]  # (task id, its downstream task ids)
    sources: tuple[str, ...] = ()  # the registry sources whose tables it writes
    curated: bool = False  # it writes the curated tables


def load_config(path: Path = CONFIG_PATH) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _rows(con, name: str) -> list[dict]:
    cur = con.execute((SQL_DIR / name).read_text(encoding="utf-8"))
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r)) for r in cur.fetchall()]


def _has(con, schema: str, table: str) -> bool:
    return bool(
        con.execute(
            "SELECT 1 FROM information_schema.tables WHERE table_schema = ? AND table_name = ?", [schema, table]
        ).fetchall()
    )


@dataclass
class Directory:
    """What the entities are made of, read from the warehouse in one go."""

    resources: list[dict]
    items: dict[str, list[dict]]  # resource code -> its published 信息项
    rules: list[dict]


def read_directory(lake: Lake) -> Directory:
    con = duckdb_settings.connect(lake, lake.warehouse, read_only=True)
    try:
        if not _has(con, "catalog", "published"):
            raise LookupError(f"{lake.warehouse}: no published directory; run `govlake catalog build` first")
        resources = _rows(con, "om_resources.sql")
        items: dict[str, list[dict]] = {}
        for i in _rows(con, "om_items.sql"):
            items.setdefault(i["resource_code"], []).append(i)
        rules = _rows(con, "om_rules.sql") if _has(con, "quality", "rule_results") else []
    finally:
        con.close()
    return Directory(resources, items, rules)


# DuckDB's types as OpenMetadata's (the type as DuckDB names it travels as dataTypeDisplay)
DATA_TYPES = {
    "VARCHAR": "VARCHAR", "INTEGER": "INT", "BIGINT": "BIGINT", "SMALLINT": "SMALLINT", "TINYINT": "TINYINT",
    "HUGEINT": "NUMERIC", "DOUBLE": "DOUBLE", "FLOAT": "FLOAT", "DATE": "DATE", "TIMESTAMP": "TIMESTAMP",
    "TIMESTAMP WITH TIME ZONE": "TIMESTAMPZ", "TIME": "TIME", "BOOLEAN": "BOOLEAN", "BLOB": "BLOB", "JSON": "JSON",
    "UUID": "UUID", "INTERVAL": "INTERVAL",
}  # fmt: skip


def data_type(duckdb_type: str | None) -> str:
    if not duckdb_type:
        return "UNKNOWN"  # a published 信息项 whose column the warehouse does not hold (yet)
    t = duckdb_type.upper()
    if t.endswith("[]"):
        return "ARRAY"
    if t.startswith(("DECIMAL", "NUMERIC")):
        return "DECIMAL"
    if t.startswith("STRUCT"):
        return "STRUCT"
    if t.startswith("MAP"):
        return "MAP"
    return DATA_TYPES.get(t, "UNKNOWN")


def entity_name(text: str) -> str:
    """A name OpenMetadata takes into a fully qualified name without quoting: no dots."""
    return text.replace(".", "__")


def directory_entities(
    lake: Lake, registry: Registry | None = None, config: dict | None = None, pipelines: tuple[Pipeline, ...] = ()
) -> list[Entity]:
    return entities_of(read_directory(lake), registry or load_registry(), config or load_config(), pipelines)


def entities_of(
    directory: Directory, registry: Registry, config: dict, pipelines: tuple[Pipeline, ...] = ()
) -> list[Entity]:
    return _Builder(directory, registry, config, pipelines).entities()


class _Builder:
    def __init__(self, directory: Directory, registry: Registry, config: dict, pipelines: tuple[Pipeline, ...]):
        # the SDK's request models take 8.8 s to import (measured, 2-CPU machine): only when syncing
        from metadata.generated.schema.type.tagLabel import TagLabel

        self._TagLabel = TagLabel
        self.d, self.registry, self.config, self.pipelines = directory, registry, config, pipelines
        self.service = config["service"]
        self.database = f"{self.service}.{config['database']}"
        self.by_code = {r["code"]: r for r in directory.resources}
        self.table_fqn = {r["code"]: f"{self.database}.{self._schema(r)}.{self._table(r)}" for r in directory.resources}
        self.by_name = {r["name"]: r for r in directory.resources}

    # names
    def _schema(self, r: dict) -> str:
        # 类 3 department sources under their department; curated tables under their library or theme
        return r["providers"][0] if r["kind"] == "source" else entity_name(r["library"])

    def _table(self, r: dict) -> str:
        return entity_name(r["relation"].split(".", 1)[1] if r["kind"] == "source" else r["name"])

    def _tag(self, group: str, value: str | None, source: str = "Classification"):
        if source == "Glossary":
            fqn = f"{self.config['glossary']}.{value}"
        else:
            if value not in self.config["classifications"][group]["tags"]:
                return None
            fqn = f"{self.config['classifications'][group]['name']}.{value}"
        return self._TagLabel(tagFQN=fqn, source=source, labelType="Automated", state="Confirmed")

    def entities(self) -> list[Entity]:
        return [
            *self._service(),
            *self._classifications(),
            *self._custom_properties(),
            *self._teams(),
            *self._schemas(),
            *self._glossary(),
            *self._tables(),
            *self._pipelines(),
            *self._lineage(),
            *self._quality(),
        ]

    def _service(self) -> list[Entity]:
        from metadata.generated.schema.api.data.createDatabase import CreateDatabaseRequest
        from metadata.generated.schema.api.services.createDatabaseService import CreateDatabaseServiceRequest
        from metadata.generated.schema.entity.services.connections.database.customDatabaseConnection import (
            CustomDatabaseConnection,
        )
        from metadata.generated.schema.entity.services.databaseService import DatabaseConnection

        service = CreateDatabaseServiceRequest(
            name=self.service,
            displayName="govlake 数据湖",
            description="govlake: the city's data lake (DuckDB warehouse, curated Parquet); published by "
            "`govlake catalog sync-openmetadata` from the 政务信息资源目录",
            serviceType="CustomDatabase",
            connection=DatabaseConnection(config=CustomDatabaseConnection(type="CustomDatabase")),
        )
        database = CreateDatabaseRequest(
            name=self.config["database"],
            displayName="数据仓库 warehouse",
            description="<lake>/warehouse.duckdb: staging, base and theme libraries, quality, catalog",
            service=self.service,
        )
        return [
            Entity("databaseService", self.service, lambda refs: service),
            Entity("database", self.database, lambda refs: database),
        ]

    def _classifications(self) -> list[Entity]:
        from metadata.generated.schema.api.classification.createClassification import CreateClassificationRequest
        from metadata.generated.schema.api.classification.createTag import CreateTagRequest

        out = []
        for group in self.config["classifications"].values():
            c = CreateClassificationRequest(
                name=group["name"],
                displayName=group["display"],
                description=f"{group['display']} (政务信息资源目录, docs/directory.md)",
                mutuallyExclusive=True,
            )
            out.append(Entity("classification", group["name"], lambda refs, c=c: c))
            for tag in group["tags"]:
                t = CreateTagRequest(classification=group["name"], name=tag, description=f"{group['display']}: {tag}")
                out.append(Entity("tag", f"{group['name']}.{tag}", lambda refs, t=t: t))
        return out

    def _custom_properties(self) -> list[Entity]:
        from metadata.generated.schema.api.data.createCustomProperty import CreateCustomPropertyRequest
        from metadata.generated.schema.type.entityReference import EntityReference

        def build(name: str, display: str):
            return lambda refs: CreateCustomPropertyRequest(
                name=name,
                displayName=display,
                description=f"{display} (政务信息资源目录)",
                propertyType=EntityReference(id=refs.id("type", "string"), type="type"),
            )

        return [
            Entity("customProperty", f"table.{n}", build(n, d)) for n, d in self.config["custom_properties"].items()
        ]

    def _teams(self) -> list[Entity]:
        from metadata.generated.schema.api.teams.createTeam import CreateTeamRequest

        out = []
        for dept in sorted(self.registry.departments.values(), key=lambda d: d.code):
            team = CreateTeamRequest(
                name=dept.code,
                displayName=dept.name,
                description=f"{dept.name} (统一社会信用代码 {dept.uscc})",
                teamType="Department",
            )
            out.append(Entity("team", dept.code, lambda refs, t=team: t))
        return out

    def _schemas(self) -> list[Entity]:
        from metadata.generated.schema.api.data.createDatabaseSchema import CreateDatabaseSchemaRequest

        names: dict[str, str] = {}
        for r in self.d.resources:
            schema = self._schema(r)
            if r["kind"] == "source":
                names[schema] = f"{self.registry.departments[schema].name} 部门数据 (类 3)"
            else:
                names.setdefault(schema, f"{r['library']} (dbt models/{r['relation'].split('.')[0]})")
        out = []
        for schema, description in sorted(names.items()):
            s = CreateDatabaseSchemaRequest(name=schema, description=description, database=self.database)
            out.append(Entity("databaseSchema", f"{self.database}.{schema}", lambda refs, s=s: s))
        return out

    def _terms(self) -> dict[str, tuple[str, str, str]]:
        """attribute -> (term name, display name, definition) from the source register."""
        out = {}
        for attribute, (source_id, column) in sorted(self.registry.authorities().items()):
            source = self.registry.sources[source_id]
            col = next(c for c in source.columns if c.name == column)
            dept = self.registry.departments[source.department]
            definition = (
                f"{col.header}（{attribute}）: 权威数源 authoritative source {dept.name} · {source.title} "
                f"({source_id}.{column})"
            )
            out[attribute] = (entity_name(attribute), col.header, definition)
        return out

    def _glossary(self) -> list[Entity]:
        from metadata.generated.schema.api.data.createGlossary import CreateGlossaryRequest
        from metadata.generated.schema.api.data.createGlossaryTerm import CreateGlossaryTermRequest

        name = self.config["glossary"]
        g = CreateGlossaryRequest(
            name=name,
            displayName="一数一源 数源清单",
            description="The source register: each attribute with its one authoritative source (docs/one-source.md)",
        )
        out = [Entity("glossary", name, lambda refs: g)]
        for term, display, definition in self._terms().values():
            t = CreateGlossaryTermRequest(glossary=name, name=term, displayName=display, description=definition)
            out.append(Entity("glossaryTerm", f"{name}.{term}", lambda refs, t=t: t))
        return out

    def _term_columns(self) -> dict[tuple[str, str], str]:
        """(resource code, column) -> glossary term: the authoritative source's column and the golden
        column of the attribute's base library."""
        out = {}
        for attribute, (source_id, column) in self.registry.authorities().items():
            term = entity_name(attribute)
            library, attr = attribute.split(".", 1)
            if source_id in self.by_name:
                out[(self.by_name[source_id]["code"], column)] = term
            for r in self.d.resources:
                if r["kind"] == "curated" and r["library"] == library and r["relation"].startswith("base."):
                    out[(r["code"], attr)] = term
        return out

    def _tables(self) -> list[Entity]:
        terms = self._term_columns()
        return [self._table_entity(r, terms) for r in self.d.resources]

    def _table_entity(self, r: dict, terms: dict) -> Entity:
        from metadata.generated.schema.api.data.createTable import CreateTableRequest
        from metadata.generated.schema.entity.data.table import Column
        from metadata.generated.schema.type.entityReference import EntityReference
        from metadata.generated.schema.type.entityReferenceList import EntityReferenceList

        columns = []
        for i in self.d.items.get(r["code"], []):
            tags = [self._tag("sensitivity", i["sensitivity"])]
            if (r["code"], i["name"]) in terms:
                tags.append(self._tag("", terms[(r["code"], i["name"])], source="Glossary"))
            tags = [t for t in tags if t]
            columns.append(
                Column(
                    name=i["name"],
                    displayName=i["name_zh"],
                    dataType=data_type(i["data_type"]),
                    dataTypeDisplay=i["data_type"] or None,
                    description=f"{i['name_zh']} — {i['name_en']}" if i["name_en"] else i["name_zh"],
                    ordinalPosition=i["position"],
                    tags=tags or None,
                )
            )
        sharing = r["sharing"] + (f"（{r['sharing_condition']}）" if r["sharing_condition"] else "")
        extension = {
            "resourceCode": r["code"],
            "sharing": sharing,
            "opening": r["opening"],
            "updateCycle": r["update_cycle"],
            "provider": "、".join(r["provider_names"]),
        }
        tags = [self._tag(g, r[g]) for g in ("grade", "sharing", "opening")]
        schema = f"{self.database}.{self._schema(r)}"
        owner = r["providers"][0]  # OpenMetadata takes one team as owner: the first provider (the rest: provider)

        def build(refs: Refs):
            return CreateTableRequest(
                name=self._table(r),
                displayName=r["title"],
                description=f"{r['title']} — {r['title_en']}\n\n{r['summary']}\n\n资源代码 {r['code']}",
                tableType="Regular",
                columns=columns,
                databaseSchema=schema,
                tags=[t for t in tags if t] or None,
                owners=EntityReferenceList(root=[EntityReference(id=refs.id("team", owner), type="team")]),
                extension=extension,
            )

        return Entity("table", self.table_fqn[r["code"]], build)

    def _pipelines(self) -> list[Entity]:
        from metadata.generated.schema.api.data.createPipeline import CreatePipelineRequest
        from metadata.generated.schema.api.lineage.addLineage import AddLineageRequest
        from metadata.generated.schema.api.services.createPipelineService import CreatePipelineServiceRequest
        from metadata.generated.schema.entity.data.pipeline import Task
        from metadata.generated.schema.type.entityLineage import EntitiesEdge, LineageDetails
        from metadata.generated.schema.type.entityReference import EntityReference

        if not self.pipelines:
            return []
        name = self.config["pipeline_service"]
        service = CreatePipelineServiceRequest(
            name=name,
            displayName="govlake Airflow",
            description="The Airflow DAGs that ingest, build, check and publish the lake (conductor/dag_factory.py)",
            serviceType="Airflow",
        )
        out = [Entity("pipelineService", name, lambda refs: service)]
        curated = [r["code"] for r in self.d.resources if r["kind"] == "curated"]
        for p in self.pipelines:
            pipeline = CreatePipelineRequest(
                name=p.dag_id,
                description=p.description or None,
                service=name,
                tasks=[Task(name=t, downstreamTasks=list(down) or None) for t, down in p.tasks],
            )
            fqn = f"{name}.{p.dag_id}"
            out.append(Entity("pipeline", fqn, lambda refs, x=pipeline: x))
            written = [self.by_name[s]["code"] for s in p.sources if s in self.by_name] + (curated if p.curated else [])
            for code in written:
                table = self.table_fqn[code]

                def build(refs: Refs, fqn=fqn, table=table):
                    return AddLineageRequest(
                        edge=EntitiesEdge(
                            fromEntity=EntityReference(id=refs.id("pipeline", fqn), type="pipeline"),
                            toEntity=EntityReference(id=refs.id("table", table), type="table"),
                            lineageDetails=LineageDetails(description=f"Airflow DAG {fqn} writes this table"),
                        )
                    )

                out.append(Entity("lineage", f"{fqn}>{table}", build))
        return out

    def _lineage(self) -> list[Entity]:
        from metadata.generated.schema.api.lineage.addLineage import AddLineageRequest
        from metadata.generated.schema.type.entityLineage import EntitiesEdge, LineageDetails
        from metadata.generated.schema.type.entityReference import EntityReference

        out = []
        for r in self.d.resources:
            for up in r["upstream"]:
                if up not in self.by_code:
                    continue  # a resource not published (held 待审核): no edge to it yet
                a, b = self.table_fqn[up], self.table_fqn[r["code"]]

                def build(refs: Refs, a=a, b=b):
                    return AddLineageRequest(
                        edge=EntitiesEdge(
                            fromEntity=EntityReference(id=refs.id("table", a), type="table"),
                            toEntity=EntityReference(id=refs.id("table", b), type="table"),
                            lineageDetails=LineageDetails(
                                source="DbtLineage",
                                description="dbt manifest: source → staging → base → theme (intermediate models "
                                "and staging passed through)",
                            ),
                        )
                    )

                out.append(Entity("lineage", f"{a}>{b}", build))
        return out

    def _quality(self) -> list[Entity]:
        from metadata.generated.schema.api.tests.createTestCase import CreateTestCaseRequest
        from metadata.generated.schema.api.tests.createTestSuite import CreateTestSuiteRequest
        from metadata.generated.schema.tests.basic import TestCaseResult
        from metadata.generated.schema.tests.testCase import TestCaseParameterValue

        rules: dict[str, list[dict]] = {}
        for rule in self.d.rules:
            if rule["source_id"] in self.by_name:
                rules.setdefault(rule["source_id"], []).append(rule)
        out = []
        for source_id, mine in sorted(rules.items()):
            table = self.table_fqn[self.by_name[source_id]["code"]]
            suite = CreateTestSuiteRequest(
                name=f"{table}.testSuite",
                description=f"govlake quality rules of {source_id} (quality/: registry + quality/rules.yaml)",
                basicEntityReference=table,
            )
            out.append(Entity("testSuite", f"{table}.testSuite", lambda refs, s=suite: s))
            for rule in mine:
                name = entity_name(rule["rule_id"])
                case = CreateTestCaseRequest(
                    name=name,
                    displayName=rule["rule_id"],
                    description=f"{rule['message_zh']} — {rule['message_en']} ({rule['dimension']}, "
                    f"{rule['severity']}); run by govlake in DuckDB, its results pushed here",
                    testDefinition=self.config["quality_test_definition"],
                    entityLink=f"<#E::table::{table}>",
                    parameterValues=[
                        TestCaseParameterValue(name="sqlExpression", value=f"-- govlake {rule['rule_id']}")
                    ],
                )
                case_fqn = f"{table}.{name}"
                out.append(Entity("testCase", case_fqn, lambda refs, c=case: c))
                if rule["checked"] is not None:
                    result = _result(TestCaseResult, rule)
                    out.append(Entity("testCaseResult", case_fqn, lambda refs, x=result: x))
        return out


def _result(model, rule: dict):
    checked, failed = int(rule["checked"]), int(rule["failed"])
    at: datetime = rule["evaluated_at"]
    passed = checked - failed
    return model(
        timestamp=int(at.replace(tzinfo=UTC).timestamp() * 1000),  # the warehouse keeps UTC
        testCaseStatus="Success" if failed == 0 else "Failed",
        result=f"{failed} of {checked} rows failed",
        passedRows=passed,
        failedRows=failed,
        passedRowsPercentage=round(100 * passed / checked, 4) if checked else 100.0,
        failedRowsPercentage=round(100 * failed / checked, 4) if checked else 0.0,
    )
