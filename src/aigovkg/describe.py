"""A VoID + DCAT description of the dataset, generated from the data: every
count comes from a named query over the same graph."""

from __future__ import annotations

import re
from collections.abc import Mapping

import pyoxigraph as ox

from aigovkg.api import KnowledgeGraph
from aigovkg.export import SUFFIX, ExportFormat, graph_description, graph_sizes, serialize
from aigovkg.namespaces import DATASET, INSTRUMENT, PREFIXES, TOPIC, curie

VOID = "http://rdfs.org/ns/void#"
DCAT = "http://www.w3.org/ns/dcat#"
DCT = "http://purl.org/dc/terms/"
SD = "http://www.w3.org/ns/sparql-service-description#"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
XSD_INT = ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")
MEDIA_TYPES = {
    ExportFormat.TURTLE: "text/turtle",
    ExportFormat.NTRIPLES: "application/n-triples",
    ExportFormat.NQUADS: "application/n-quads",
    ExportFormat.TRIG: "application/trig",
    ExportFormat.JSONLD: "application/ld+json",
    ExportFormat.RDFXML: "application/rdf+xml",
}
VOCABULARIES = ("aigov", "skos", "dcterms", "prov", "rdfs", "owl", "schema", "eli")


def _slug(iri: str) -> str:
    """A readable, stable IRI segment for a class or property: aigov:Topic -> aigov-Topic."""
    return re.sub(r"[^A-Za-z0-9]+", "-", curie(iri)).strip("-")


def _n(iri: str) -> ox.NamedNode:
    return ox.NamedNode(iri)


def _int(value: int) -> ox.Literal:
    return ox.Literal(str(value), datatype=XSD_INT)


def describe(kg: KnowledgeGraph, *, base_url: str, endpoint: str | None = None,
             sizes: Mapping[str, int] | None = None) -> list[ox.Triple]:
    """Triples describing the dataset with VoID and DCAT; ``sizes`` are the
    named graphs' sizes (:func:`aigovkg.export.graph_sizes`), when the caller has them."""
    base = base_url.rstrip("/") + "/"
    ds = _n(DATASET)
    out: list[ox.Triple] = [
        ox.Triple(ds, RDF_TYPE, _n(VOID + "Dataset")),
        ox.Triple(ds, RDF_TYPE, _n(DCAT + "Dataset")),
    ]

    def add(p: str, o: ox.NamedNode | ox.Literal | ox.BlankNode, s: ox.NamedNode | ox.BlankNode = ds) -> None:
        out.append(ox.Triple(s, _n(p), o))

    (stats,) = kg.rows("dataset-statistics")
    for key in ("triples", "entities", "distinctSubjects", "distinctObjects", "classes", "properties"):
        add(VOID + key, _int(stats[key]))
    for row in kg.rows("dataset-classes"):
        part = _n(f"{DATASET}/class-partition/{_slug(row['class'])}")
        add(VOID + "classPartition", part)
        add(VOID + "class", _n(row["class"]), part)
        add(VOID + "entities", _int(row["entities"]), part)
    for row in kg.rows("dataset-properties"):
        part = _n(f"{DATASET}/property-partition/{_slug(row['property'])}")
        add(VOID + "propertyPartition", part)
        add(VOID + "property", _n(row["property"]), part)
        add(VOID + "triples", _int(row["triples"]), part)
    for fmt in ExportFormat:
        url = _n(f"{base}dumps/aigovkg.{SUFFIX[fmt]}")
        add(VOID + "dataDump", url)
        dist = _n(f"{DATASET}/distribution/{fmt.value}")
        add(DCAT + "distribution", dist)
        add(str(RDF_TYPE.value), _n(DCAT + "Distribution"), dist)
        add(DCAT + "downloadURL", url, dist)
        add(DCAT + "mediaType", ox.Literal(MEDIA_TYPES[fmt]), dist)
    # The named graphs of the N-Quads and TriG dumps, each a subset of the dataset.
    if kg.loaded is not None and kg.loaded.files:
        for name, size in (sizes if sizes is not None else graph_sizes(kg.loaded)).items():
            subset = _n(f"{DATASET}/named-graph/{name.rsplit('/graph/', 1)[-1].replace('/', '-')}")
            add(VOID + "subset", subset)
            add(str(RDF_TYPE.value), _n(VOID + "Dataset"), subset)
            add(str(RDF_TYPE.value), _n(SD + "NamedGraph"), subset)
            add(SD + "name", _n(name), subset)
            add(VOID + "triples", _int(size), subset)
            add(DCT + "description", ox.Literal(graph_description(name), language="en"), subset)
    if endpoint:
        add(VOID + "sparqlEndpoint", _n(endpoint))
    add(VOID + "exampleResource", _n(INSTRUMENT + "eu-ai-act"))
    add(VOID + "exampleResource", _n(TOPIC + "international-coordination"))
    for prefix in VOCABULARIES:
        add(VOID + "vocabulary", _n(PREFIXES[prefix]))
    add(VOID + "uriSpace", ox.Literal("https://w3id.org/aigovkg/id/"))
    # title, licence, version and release date are stated once, in graph/dataset.ttl
    stated = kg.engine.select(
        "SELECT ?p ?o WHERE { <" + DATASET + "> ?p ?o FILTER(?p IN (dcterms:title, dcterms:description, "
        "dcterms:license, dcterms:issued, owl:versionInfo)) }"
    )
    for predicate, value in stated.rows:
        assert isinstance(predicate, ox.NamedNode)
        assert isinstance(value, (ox.NamedNode, ox.Literal))
        out.append(ox.Triple(ds, predicate, value))
    return out


def describe_turtle(kg: KnowledgeGraph, *, base_url: str, endpoint: str | None = None,
                    sizes: Mapping[str, int] | None = None) -> bytes:
    return serialize(describe(kg, base_url=base_url, endpoint=endpoint, sizes=sizes), ExportFormat.TURTLE)
