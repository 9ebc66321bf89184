"""The directory in DCAT, as JSON-LD and Turtle (rdflib).

    write_dcat(directory, out, registry)   # out/directory.jsonld, out/directory.ttl
    graph(directory, config, publisher)    # the rdflib Graph both are serialised from

One dcat:Catalog (dct:title, dct:issued = when its version was published, owl:versionInfo = the
directory version, dct:publisher = the bureau). Per published resource a dcat:Dataset:
dct:identifier = the resource code; dct:title in Chinese and English; dct:description = the
summary; dct:publisher = its first provider (a foaf:Organization with foaf:name and its USCC as
dct:identifier), the other providers as dct:contributor — DCAT-AP allows one publisher;
dct:accrualPeriodicity and dct:accessRights from the EU authority tables (catalog/export/dcat.yaml);
dct:rights = the 共享属性 and its condition; dcat:theme = its 目 in a skos:ConceptScheme of the
classification (类 ⊃ 项 ⊃ 目, skos:broader); dcat:keyword = its 信息项' Chinese names; one
dcat:Distribution with dct:format and dcat:mediaType.
"""

from __future__ import annotations

from pathlib import Path

import yaml
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, OWL, RDF, RDFS, SKOS, XSD

from catalog.export.files import write_bytes
from catalog.export.reader import PublishedDirectory
from govlake.registry import Department, Registry

CONFIG = Path(__file__).with_name("dcat.yaml")
JSONLD_FILE, TURTLE_FILE = "directory.jsonld", "directory.ttl"
FREQUENCY = Namespace("http://publications.europa.eu/resource/authority/frequency/")
ACCESS_RIGHT = Namespace("http://publications.europa.eu/resource/authority/access-right/")
FILE_TYPE = Namespace("http://publications.europa.eu/resource/authority/file-type/")
MEDIA_TYPE = Namespace("https://www.iana.org/assignments/media-types/")
LINEAGE = ("__source", "__batch")
PREFIXES = {"dcat": DCAT, "dct": DCTERMS, "foaf": FOAF, "owl": OWL, "skos": SKOS, "rdfs": RDFS, "xsd": XSD}


class DcatError(ValueError):
    """A directory value dcat.yaml does not map; the message names the resource and the value."""


def load_config(path: Path = CONFIG) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _mapped(table: dict, value, what: str, code: str):
    if value not in table:
        raise DcatError(f"resource {code}: {what} {value!r} has no DCAT mapping in {CONFIG.name}")
    return table[value]


def keywords(items: list[dict]) -> list[str]:
    """The 信息项' Chinese names, without the bookkeeping columns (_staged_at, and each golden
    attribute's __source and __batch lineage): they would make every dataset match 数源 and 批次."""
    names = (i["name_zh"] for i in items if not i["name"].startswith("_") and not i["name"].endswith(LINEAGE))
    return list(dict.fromkeys(names))


class _Builder:
    def __init__(self, config: dict, g: Graph):
        self.config, self.g = config, g
        self.base = Namespace(config["base"])
        self.scheme = self.base["classification"]

    def agent(self, name: str, uscc: str) -> URIRef:
        node = self.base[f"agent/{uscc}"]
        self.g.add((node, RDF.type, FOAF.Agent))
        self.g.add((node, RDF.type, FOAF.Organization))
        self.g.add((node, FOAF.name, Literal(name, lang="zh")))
        self.g.add((node, DCTERMS.identifier, Literal(uscc)))
        return node

    def concept(self, path: list[str], label: str, notation: str, broader: URIRef | None) -> URIRef:
        node = self.base["classification/" + "-".join(path)]
        g = self.g
        g.add((node, RDF.type, SKOS.Concept))
        g.add((node, SKOS.prefLabel, Literal(label, lang="zh")))
        g.add((node, SKOS.notation, Literal(notation)))
        g.add((node, SKOS.inScheme, self.scheme))
        if broader is None:
            g.add((node, SKOS.topConceptOf, self.scheme))
            g.add((self.scheme, SKOS.hasTopConcept, node))
        else:
            g.add((node, SKOS.broader, broader))
        return node

    def theme(self, r: dict) -> URIRef:
        """The resource's 目, under its 项, under its 类."""
        cls = str(r["class"])
        top = self.concept([cls], r["class_name"], cls, None)
        item = self.concept([cls, r["item"]], r["item_name"], cls + r["item"], top)
        return self.concept([cls, r["item"], r["catalog"]], r["catalog_name"], cls + r["item"] + r["catalog"], item)

    def distribution(self, r: dict, dataset: URIRef) -> URIRef:
        if r["format"] == "文件":
            kind = _mapped(self.config["delivered"], r["delivery_format"], "delivery format", r["code"])
        elif r["format"] == "库表":
            kind = self.config["tables"]
        else:
            raise DcatError(f"resource {r['code']}: format {r['format']!r} has no DCAT mapping in {CONFIG.name}")
        node = URIRef(f"{dataset}/distribution")
        g = self.g
        g.add((node, RDF.type, DCAT.Distribution))
        g.add((node, DCTERMS.title, Literal(f"{r['title']}（{r['sharing_method']}）", lang="zh")))
        g.add((node, DCTERMS.format, FILE_TYPE[kind["format"]]))
        if kind.get("media_type"):
            g.add((node, DCAT.mediaType, MEDIA_TYPE[kind["media_type"]]))
        return node

    def dataset(self, r: dict) -> URIRef:
        g, config, code = self.g, self.config, r["code"]
        node = self.base[f"resource/{code}"]
        g.add((node, RDF.type, DCAT.Dataset))
        g.add((node, DCTERMS.identifier, Literal(code)))
        g.add((node, DCTERMS.title, Literal(r["title"], lang="zh")))
        if r["title_en"]:
            g.add((node, DCTERMS.title, Literal(r["title_en"], lang="en")))
        g.add((node, DCTERMS.description, Literal(r["summary"], lang="zh")))
        g.add((node, DCTERMS.issued, Literal(r["published_at"], datatype=XSD.date)))
        first, *others = r["providers"]
        g.add((node, DCTERMS.publisher, self.agent(first["name"], first["uscc"])))
        for p in others:
            g.add((node, DCTERMS.contributor, self.agent(p["name"], p["uscc"])))
        frequency = _mapped(config["frequency"], r["update_cycle"], "更新周期", code)
        g.add((node, DCTERMS.accrualPeriodicity, FREQUENCY[frequency]))
        access = _mapped(config["access_rights"], r["opening"], "开放属性", code)
        g.add((node, DCTERMS.accessRights, ACCESS_RIGHT[access]))
        rights = URIRef(f"{node}/rights")
        g.add((node, DCTERMS.rights, rights))
        g.add((rights, RDF.type, DCTERMS.RightsStatement))
        condition = f"：{r['sharing_condition']}" if r["sharing_condition"] else ""
        g.add((rights, RDFS.label, Literal(f"{r['sharing']}{condition}", lang="zh")))
        g.add((node, DCAT.theme, self.theme(r)))
        for name in keywords(r["items"]):
            g.add((node, DCAT.keyword, Literal(name, lang="zh")))
        for other in r["related"]:
            g.add((node, DCTERMS.relation, self.base[f"resource/{other}"]))
        g.add((node, DCAT.distribution, self.distribution(r, node)))
        return node


def graph(directory: PublishedDirectory, config: dict, publisher: Department) -> Graph:
    g = Graph()
    for prefix, ns in PREFIXES.items():
        g.bind(prefix, ns)
    b = _Builder(config, g)
    catalog = b.base["catalog"]
    g.add((catalog, RDF.type, DCAT.Catalog))
    for lang, title in config["title"].items():
        g.add((catalog, DCTERMS.title, Literal(title, lang=lang)))
    issued = directory.version_published_at.replace(" ", "T") + "Z"  # catalog.versions keeps UTC
    g.add((catalog, DCTERMS.issued, Literal(issued, datatype=XSD.dateTime)))
    g.add((catalog, OWL.versionInfo, Literal(str(directory.version))))
    g.add((catalog, DCTERMS.publisher, b.agent(publisher.name, publisher.uscc)))
    g.add((b.scheme, RDF.type, SKOS.ConceptScheme))
    g.add((b.scheme, SKOS.prefLabel, Literal("政务信息资源分类", lang="zh")))
    g.add((catalog, DCAT.themeTaxonomy, b.scheme))
    for r in directory.resources:
        g.add((catalog, DCAT.dataset, b.dataset(r)))
    return g


def write_dcat(directory: PublishedDirectory, out: Path, registry: Registry, config: dict | None = None) -> list[Path]:
    config = config or load_config()
    g = graph(directory, config, registry.departments[config["publisher"]])
    context = {prefix: str(ns) for prefix, ns in PREFIXES.items()}
    jsonld = g.serialize(format="json-ld", context=context, indent=2, ensure_ascii=False)
    return [
        write_bytes(out / JSONLD_FILE, jsonld.encode("utf-8")),
        write_bytes(out / TURTLE_FILE, g.serialize(format="turtle").encode("utf-8")),
    ]
