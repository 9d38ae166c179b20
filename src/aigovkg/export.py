"""Export stage: RDF serialisations of the graph and of query results."""

from __future__ import annotations

import json
from collections.abc import Iterable

import pyoxigraph as ox

from aigovkg.namespaces import PREFIXES


def triples_to_text(triples: Iterable[ox.Triple], fmt: str = "turtle") -> str:
    """Serialise CONSTRUCT / DESCRIBE results as sorted Turtle or JSON-LD."""
    ordered = sorted(triples, key=str)
    if fmt == "turtle":
        data = ox.serialize(ordered, format=ox.RdfFormat.TURTLE, prefixes=dict(PREFIXES))
        return data.decode("utf-8") if isinstance(data, bytes) else str(data)
    if fmt == "jsonld":
        import rdflib

        graph = rdflib.Graph()
        nt = ox.serialize(ordered, format=ox.RdfFormat.N_TRIPLES)
        graph.parse(data=nt, format="nt")
        context = {k: v for k, v in PREFIXES.items()}
        doc = json.loads(graph.serialize(format="json-ld", context=context, auto_compact=True))
        return json.dumps(doc, indent=2, ensure_ascii=False, sort_keys=True) + "\n"
    raise ValueError(f"unknown RDF format {fmt}")


def graph_triples(store: ox.Store) -> list[ox.Triple]:
    """All triples of the store's default graph, sorted for stable output."""
    return sorted((quad.triple for quad in store), key=str)


def dump(store: ox.Store, fmt: str = "turtle") -> bytes:
    """The whole graph as sorted Turtle (with the curated prefixes) or N-Triples."""
    triples = graph_triples(store)
    if fmt == "turtle":
        data = ox.serialize(triples, format=ox.RdfFormat.TURTLE, prefixes=dict(PREFIXES))
    elif fmt == "ntriples":
        data = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES)
    else:
        raise ValueError(f"unknown dump format {fmt}")
    assert data is not None
    return data
