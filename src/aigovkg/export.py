"""Export stage: the graph and query results as RDF, deterministically.

Same graph, same bytes: triples are sorted, blank nodes get canonical labels
(RDFC-1.0), prefixes are the curated ones, and JSON-LD is compacted with the
shipped context (``ontology/context.jsonld``), embedded so that nothing is
fetched from the network.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from enum import StrEnum
from functools import cache
from typing import Any

import pyoxigraph as ox

from aigovkg import resources
from aigovkg.namespaces import PREFIXES


class ExportFormat(StrEnum):
    TURTLE = "turtle"
    NTRIPLES = "ntriples"
    NQUADS = "nquads"
    TRIG = "trig"
    JSONLD = "jsonld"
    RDFXML = "rdfxml"


SUFFIX = {
    ExportFormat.TURTLE: "ttl",
    ExportFormat.NTRIPLES: "nt",
    ExportFormat.NQUADS: "nq",
    ExportFormat.TRIG: "trig",
    ExportFormat.JSONLD: "jsonld",
    ExportFormat.RDFXML: "rdf",
}
PARSE_FORMAT = {
    ExportFormat.TURTLE: ox.RdfFormat.TURTLE,
    ExportFormat.NTRIPLES: ox.RdfFormat.N_TRIPLES,
    ExportFormat.NQUADS: ox.RdfFormat.N_QUADS,
    ExportFormat.TRIG: ox.RdfFormat.TRIG,
    ExportFormat.JSONLD: ox.RdfFormat.JSON_LD,
    ExportFormat.RDFXML: ox.RdfFormat.RDF_XML,
}


@cache
def context() -> dict[str, Any]:
    """The shipped JSON-LD context (the value of its ``@context``)."""
    with (resources.ontology_dir() / "context.jsonld").open(encoding="utf-8") as handle:
        return dict(json.load(handle)["@context"])


def _has_blank_nodes(triples: Iterable[ox.Triple]) -> bool:
    return any(isinstance(t.subject, ox.BlankNode) or isinstance(t.object, ox.BlankNode) for t in triples)


def canonical_triples(triples: Iterable[ox.Triple]) -> list[ox.Triple]:
    """Triples sorted, with blank nodes relabelled canonically (RDFC-1.0).

    The order is that of their N-Triples lines (the same as sorting the
    triples' ``str``: a line is the triple's text and " .", and a space sorts
    before any character that could follow a term), so the sort runs over
    bytes that Oxigraph wrote instead of over a million Python objects.
    """
    items = list(triples)
    if _has_blank_nodes(items):
        dataset = ox.Dataset(ox.Quad(t.subject, t.predicate, t.object) for t in items)
        dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
        items = [q.triple for q in dataset]
    lines = _bytes(ox.serialize(items, format=ox.RdfFormat.N_TRIPLES)).splitlines(keepends=True)
    del items  # each stage frees the one before: on large graphs they are gigabytes each
    lines.sort()
    text = b"".join(lines)
    del lines
    return [quad.triple for quad in ox.parse(text, format=ox.RdfFormat.N_TRIPLES)]


def graph_triples(store: ox.Store) -> list[ox.Triple]:
    """All triples of the store's default graph, in canonical order."""
    return canonical_triples(quad.triple for quad in store)


def _bytes(data: bytes | None) -> bytes:
    assert data is not None
    return data


def serialize(triples: Iterable[ox.Triple], fmt: ExportFormat | str = ExportFormat.TURTLE) -> bytes:
    """Serialise triples deterministically in one of the export formats."""
    return _serialize(canonical_triples(triples), ExportFormat(fmt))


def _serialize(ordered: list[ox.Triple], fmt: ExportFormat) -> bytes:
    """Serialise triples already in canonical order."""
    prefixes = dict(PREFIXES)
    if fmt is ExportFormat.TURTLE:
        return _bytes(ox.serialize(ordered, format=ox.RdfFormat.TURTLE, prefixes=prefixes))
    if fmt is ExportFormat.NTRIPLES:
        return _bytes(ox.serialize(ordered, format=ox.RdfFormat.N_TRIPLES))
    # Quads are made one at a time as the serializer asks for them, not as a second list.
    if fmt is ExportFormat.NQUADS:
        quads = (ox.Quad(t.subject, t.predicate, t.object) for t in ordered)
        return _bytes(ox.serialize(quads, format=ox.RdfFormat.N_QUADS))
    if fmt is ExportFormat.TRIG:
        quads = (ox.Quad(t.subject, t.predicate, t.object) for t in ordered)
        return _bytes(ox.serialize(quads, format=ox.RdfFormat.TRIG, prefixes=prefixes))
    if fmt is ExportFormat.RDFXML:
        return _bytes(ox.serialize(ordered, format=ox.RdfFormat.RDF_XML, prefixes=prefixes))
    return _jsonld(ordered).encode("utf-8")


# Subjects are compacted this many triples at a time (whole subjects each time).
_JSONLD_CHUNK = 50_000


def _subject_chunks(ordered: list[ox.Triple], size: int) -> list[list[ox.Triple]]:
    """Runs of whole subjects of about ``size`` triples (``ordered`` groups a
    subject's triples together); one run when blank nodes tie subjects together."""
    if _has_blank_nodes(ordered):
        return [ordered]
    chunks: list[list[ox.Triple]] = []
    start = 0
    while start < len(ordered):
        end = min(start + size, len(ordered))
        while end < len(ordered) and ordered[end].subject == ordered[end - 1].subject:
            end += 1
        chunks.append(ordered[start:end])
        start = end
    return chunks


def _jsonld(ordered: list[ox.Triple]) -> str:
    """JSON-LD compacted with the shipped context. rdflib compacts each
    subject's node object from that subject's triples alone, so the subjects
    are compacted a chunk at a time: memory stays bounded on large graphs."""
    import rdflib

    ctx = context()
    nodes = []
    for chunk in _subject_chunks(ordered, _JSONLD_CHUNK):
        graph = rdflib.Graph()
        graph.parse(data=_bytes(ox.serialize(chunk, format=ox.RdfFormat.N_TRIPLES)), format="nt")
        doc = json.loads(graph.serialize(format="json-ld", context=ctx, auto_compact=True))
        found = doc.get("@graph", [doc] if "id" in doc or "@id" in doc else [])
        nodes += [{k: v for k, v in node.items() if k != "@context"} for node in found]
    for node in nodes:
        for key, value in node.items():
            if isinstance(value, list):
                node[key] = sorted(value, key=lambda v: json.dumps(v, sort_keys=True, ensure_ascii=False))
    nodes.sort(key=lambda n: str(n.get("id", n.get("@id", ""))))
    out = {"@context": ctx, "@graph": nodes}
    return json.dumps(out, indent=2, ensure_ascii=False, sort_keys=True) + "\n"


def dump(store: ox.Store, fmt: ExportFormat | str = ExportFormat.TURTLE) -> bytes:
    """The whole graph in one of the export formats."""
    return serialize(graph_triples(store), fmt)


def dumps(store: ox.Store) -> Iterable[tuple[ExportFormat, bytes]]:
    """The whole graph in every export format, put in canonical order once."""
    ordered = graph_triples(store)
    for fmt in ExportFormat:
        yield fmt, _serialize(ordered, fmt)


def triples_to_text(triples: Iterable[ox.Triple], fmt: str = "turtle") -> str:
    """CONSTRUCT / DESCRIBE results as Turtle or JSON-LD text."""
    return serialize(triples, fmt).decode("utf-8")
