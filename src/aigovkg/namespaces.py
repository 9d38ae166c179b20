"""The project's namespaces and the prefixes used in every output."""

from __future__ import annotations

from types import MappingProxyType

BASE = "https://w3id.org/aigovkg/"
AIGOV = BASE + "ontology#"
ONTOLOGY_IRI = BASE + "ontology"
ID = BASE + "id/"
INSTRUMENT = ID + "instrument/"
TOPIC = ID + "topic/"
JURISDICTION = ID + "jurisdiction/"
SOURCE = ID + "source/"
CLAIM = ID + "claim/"
TENSION = ID + "tension/"
REFERENCE = ID + "reference/"
DOCUMENT = ID + "document/"
EVALUATION = ID + "evaluation/"
TOPIC_SCHEME = ID + "topic"
DATASET = ID + "dataset"

#: Curated prefixes, in the order they are written out.
PREFIXES = MappingProxyType(
    {
        "aigov": AIGOV,
        "inst": INSTRUMENT,
        "topic": TOPIC,
        "jur": JURISDICTION,
        "src": SOURCE,
        "claim": CLAIM,
        "tension": TENSION,
        "ref": REFERENCE,
        "doc": DOCUMENT,
        "evaluation": EVALUATION,
        "dcat": "http://www.w3.org/ns/dcat#",
        "dcterms": "http://purl.org/dc/terms/",
        "eli": "http://data.europa.eu/eli/ontology#",
        "foaf": "http://xmlns.com/foaf/0.1/",
        "owl": "http://www.w3.org/2002/07/owl#",
        "prov": "http://www.w3.org/ns/prov#",
        "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
        "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
        "schema": "https://schema.org/",
        "sh": "http://www.w3.org/ns/shacl#",
        "skos": "http://www.w3.org/2004/02/skos/core#",
        "vann": "http://purl.org/vocab/vann/",
        "void": "http://rdfs.org/ns/void#",
        "xsd": "http://www.w3.org/2001/XMLSchema#",
    }
)

#: Parameter kinds that name a thing by its slug, and the namespace of that thing. A claim's
#: slug is its source's, topic's and instrument's joined by slashes (aigovkg/human-oversight/eu-ai-act).
SLUG_NAMESPACES = MappingProxyType(
    {
        "topic": TOPIC,
        "instrument": INSTRUMENT,
        "jurisdiction": JURISDICTION,
        "source": SOURCE,
        "claim": CLAIM,
    }
)


def curie(iri: str) -> str:
    """Shorten an IRI with the curated prefixes, longest namespace first.

    >>> curie("https://w3id.org/aigovkg/id/topic/international-coordination")
    'topic:international-coordination'
    >>> curie("http://example.org/x")
    'http://example.org/x'
    """
    for prefix, ns in sorted(PREFIXES.items(), key=lambda kv: -len(kv[1])):
        if iri.startswith(ns):
            local = iri[len(ns) :]
            if local and all(c.isalnum() or c in "-_./" for c in local):
                return f"{prefix}:{local}"
    return iri
