"""Analyse stage: networks built from SPARQL results (never by converting raw
triples, which would turn literals into hub nodes), and what networkx finds
in them.

Topic similarity. Each topic is a vector over the instruments: governs 1,
implicit 0.5, silent 0, conflicts -1; cells not assessed are left out of the
comparison. Two topics are as similar as the cosine of their vectors over the
instruments assessed on both. Cosine rewards being addressed by the same
instruments with similar strength; shared silence adds nothing (two topics
are not related because the same instruments ignore them), and a conflict on
one topic against governance on the other pulls the score down. The
instruments that drive a similarity are those with the largest products.
"""

from __future__ import annotations

import heapq
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import networkx as nx

from aigovkg.api import KnowledgeGraph
from aigovkg.errors import InputError
from aigovkg.namespaces import TOPIC

LEVEL_WEIGHT: Mapping[str, float] = {"governs": 1.0, "implicit": 0.5, "silent": 0.0, "conflicts": -1.0}
SEED = 42


@dataclass(frozen=True)
class Related:
    topic: str
    label: str
    score: float
    drivers: tuple[str, ...]
    shared: int


def _slug(iri: str) -> str:
    return iri.rsplit("/", 1)[-1]


def similarity(a: Mapping[str, float], b: Mapping[str, float], *,
               top: int | None = None) -> tuple[float, list[tuple[str, float]]]:
    """Cosine similarity over the keys both vectors have, and the keys with a
    positive share, largest first (only the ``top`` largest when given).

    >>> similarity({"x": 1.0, "y": 0.5}, {"x": 1.0, "y": 0.5})[0]
    1.0
    >>> similarity({"x": 1.0, "y": 0.0}, {"x": 0.0, "y": 1.0})[0]
    0.0
    """
    dot = norm_a = norm_b = 0.0
    positive: list[tuple[str, float]] = []
    for k in sorted(a.keys() & b.keys()):  # sorted: the same sum in every process
        x, y = a[k], b[k]
        dot += x * y
        norm_a += x * x
        norm_b += y * y
        if x * y > 0:
            positive.append((k, x * y))
    norm = math.sqrt(norm_a) * math.sqrt(norm_b)
    if norm == 0:
        return 0.0, []
    order = lambda kv: (-kv[1], kv[0])  # noqa: E731
    shares = heapq.nsmallest(top, positive, key=order) if top is not None else sorted(positive, key=order)
    return round(dot / norm, 6), shares


def coverage_vectors(rows: Iterable[Mapping[str, Any]]) -> dict[str, dict[str, float]]:
    """topic IRI -> {instrument IRI: weight}, from coverage-matrix rows."""
    vectors: dict[str, dict[str, float]] = defaultdict(dict)
    for row in rows:
        weight = LEVEL_WEIGHT.get(row["level"])
        if weight is not None:
            vectors[row["topic"]][row["instrument"]] = weight
    return dict(vectors)


def topic_graph(kg: KnowledgeGraph, *, source: str | None = None,
                rows: list[dict[str, Any]] | None = None) -> nx.Graph:
    """Topics linked by the similarity of their coverage patterns (weight = cosine).
    ``rows`` are the view's coverage-matrix rows, when the caller already has them."""
    if rows is None:
        params: dict[str, Any] = {"source": source} if source else {}
        rows = kg.results("coverage-matrix", **params).records()
    labels = {r["topic"]: r["topicLabel"] for r in rows}
    instrument_labels = {r["instrument"]: r["instrumentLabel"] for r in rows}
    return similarity_graph(coverage_vectors(rows), labels, instrument_labels)


def similarity_graph(vectors: Mapping[str, Mapping[str, float]], labels: Mapping[str, str],
                     instrument_labels: Mapping[str, str] | None = None) -> nx.Graph:
    """Topics linked by cosine similarity; every pair with anything in common
    is linked, so the graph is marked dense (:func:`clusters` thins it).

    The same scores and drivers as :func:`similarity` pair by pair, computed a
    topic at a time against all later topics with numpy (the pairs grow as
    topics², so pair by pair in Python took minutes at 400 topics). The sums
    are exact either way: every weight is a multiple of 1/2, so each product,
    and each sum of them, is a dyadic number a double holds exactly in any
    order; the square root, division and rounding then see the same numbers."""
    import numpy as np

    graph = nx.Graph(dense=True)
    topics = sorted(vectors)
    for topic in topics:
        graph.add_node(topic, label=labels.get(topic, topic), kind="topic")
    keys = sorted({k for v in vectors.values() for k in v})  # index order is key order: ties go to the first key
    if not topics or not keys:
        return graph
    column = {k: n for n, k in enumerate(keys)}
    weights = np.zeros((len(topics), len(keys)))
    assessed = np.zeros((len(topics), len(keys)))
    for row, topic in enumerate(topics):
        for key, weight in vectors[topic].items():
            weights[row, column[key]] = weight
            assessed[row, column[key]] = 1.0
    if not all(float(w * 4).is_integer() for w in np.unique(weights)):
        return _similarity_graph_by_pairs(graph, topics, vectors, instrument_labels)
    squares = weights * weights
    for a in range(len(topics) - 1):
        rest = slice(a + 1, len(topics))
        products = weights[rest] * weights[a]
        dot = products.sum(axis=1)
        norm = np.sqrt(squares[a] @ assessed[rest].T) * np.sqrt(squares[rest] @ assessed[a])
        shared = (assessed[rest] @ assessed[a]).astype(int)
        for offset in np.flatnonzero(norm != 0):
            score = round(float(dot[offset]) / float(norm[offset]), 6)
            if score > 0:
                row = products[offset]
                positive = np.flatnonzero(row > 0)
                # The three largest shares, ties by key: a stable sort keeps key order among equals.
                top = positive[np.argsort(-row[positive], kind="stable")[:3]]
                drivers = [(instrument_labels or {}).get(keys[k], keys[k]) for k in top]
                graph.add_edge(topics[a], topics[a + 1 + offset], weight=score, drivers=drivers,
                               shared=int(shared[offset]))
    return graph


def _similarity_graph_by_pairs(graph: nx.Graph, topics: list[str], vectors: Mapping[str, Mapping[str, float]],
                               instrument_labels: Mapping[str, str] | None) -> nx.Graph:
    """Pair by pair with :func:`similarity`: for weights whose sums a double
    may round differently in another order."""
    for i, a in enumerate(topics):
        for b in topics[i + 1 :]:
            score, contributions = similarity(vectors[a], vectors[b], top=3)
            if score > 0:
                drivers = [(instrument_labels or {}).get(k, k) for k, _ in contributions]
                graph.add_edge(a, b, weight=score, drivers=drivers, shared=len(vectors[a].keys() & vectors[b].keys()))
    return graph


def related_topics(graph: nx.Graph, topic: str, *, top: int = 5) -> list[Related]:
    """The topics most similar to ``topic`` (a slug such as synthetic-content,
    a CURIE topic:synthetic-content or the full IRI), best first (ties by label).
    A topic the graph does not hold is an error, not an empty list."""
    if topic not in graph:
        slug = topic.removeprefix("topic:").removeprefix(TOPIC)
        if TOPIC + slug not in graph:
            known = ", ".join(sorted(str(n).removeprefix(TOPIC) for n in graph))
            raise InputError(f"no topic {topic!r} in this graph; topics: {known}")
        topic = TOPIC + slug
    found = [
        Related(other, graph.nodes[other]["label"], data["weight"], tuple(data["drivers"]), data["shared"])
        for other, data in graph[topic].items()
    ]
    found.sort(key=lambda r: (-r.score, r.label))
    return found[:top]


def tension_graph(kg: KnowledgeGraph, *, source: str | None = None) -> nx.Graph:
    """Instruments linked by tensions; weight = number of topics they are in tension on."""
    params: dict[str, Any] = {"source": source} if source else {}
    graph = nx.Graph()
    topics: dict[tuple[str, str], set[str]] = defaultdict(set)
    kinds: dict[tuple[str, str], set[str]] = defaultdict(set)
    for row in kg.results("tensions", **params).records():
        a, b = sorted((row["first"], row["second"]))
        graph.add_node(row["first"], label=row["firstLabel"], jurisdiction=row["firstJurisdiction"], kind="instrument")
        graph.add_node(row["second"], label=row["secondLabel"], jurisdiction=row["secondJurisdiction"],
                       kind="instrument")
        topics[(a, b)].add(row["topic"])
        kinds[(a, b)].add(row["kind"])
    for (a, b), on in sorted(topics.items()):
        graph.add_edge(a, b, weight=len(on), topics=sorted(on), kinds=sorted(kinds[(a, b)]))
    return graph


def relation_graph(kg: KnowledgeGraph, *, source: str | None = None) -> nx.Graph:
    """Instruments linked by relations (aligns with, builds on, ...); edges keep
    the direction and kinds as attributes; weight = number of relations."""
    params: dict[str, Any] = {"source": source} if source else {}
    graph = nx.Graph()
    for row in kg.results("relations", **params).records():
        graph.add_node(row["from"], label=row["fromLabel"], kind="instrument")
        graph.add_node(row["to"], label=row["toLabel"], kind="instrument")
        statement = f"{row['fromLabel']} {row['kind']} {row['toLabel']}"
        if graph.has_edge(row["from"], row["to"]):
            graph[row["from"]][row["to"]]["weight"] += 1
            graph[row["from"]][row["to"]]["relations"].append(statement)
        else:
            graph.add_edge(row["from"], row["to"], weight=1, relations=[statement])
    return graph


def jurisdiction_graph(kg: KnowledgeGraph, *, source: str | None = None) -> nx.Graph:
    """Jurisdictions linked by being part of one another, by membership of an
    organisation or forum (member or participant), and by the tensions between
    their instruments. Each link counts 1 in the weight; the edge attribute
    ``relation`` names its kinds ("part of", "member", "participant",
    "tension"), joined by "; " where a pair is linked in several ways, and
    ``tensions`` counts the tensions."""
    params: dict[str, Any] = {"source": source} if source else {}
    links: dict[tuple[str, str], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    graph = nx.Graph()
    jurisdictions = kg.results("jurisdictions").records()
    for row in jurisdictions:
        graph.add_node(row["jurisdiction"], label=row["label"], code=row["code"], kind="jurisdiction")
    for row in jurisdictions:
        if row["partOf"]:
            links[_pair(row["jurisdiction"], row["partOf"])]["part of"] += 1
    for row in kg.results("jurisdiction-memberships").records():
        links[_pair(row["member"], row["organisation"])][row["role"]] += 1
    for row in kg.results("tensions", **params).records():
        a, b = row["firstJurisdiction"], row["secondJurisdiction"]
        if a != b:
            links[_pair(a, b)]["tension"] += 1
    for (a, b), kinds in sorted(links.items()):
        graph.add_edge(a, b, weight=sum(kinds.values()), relation="; ".join(sorted(kinds)),
                       tensions=kinds.get("tension", 0))
    return graph


def _pair(a: str, b: str) -> tuple[str, str]:
    return (a, b) if a <= b else (b, a)


def backbone(graph: nx.Graph, *, k: int = 3) -> nx.Graph:
    """Keep each node's ``k`` strongest edges: a dense similarity graph (every
    pair of topics is somewhat similar) has no community structure until it
    is thinned to its nearest neighbours."""
    kept = nx.Graph()
    kept.add_nodes_from(graph.nodes(data=True))
    for node in sorted(graph, key=str):
        strongest = sorted(graph[node].items(), key=lambda kv: (-kv[1].get("weight", 1), str(kv[0])))[:k]
        for other, data in strongest:
            kept.add_edge(node, other, **data)
    return kept


def induced(graph: nx.Graph, nodes: Iterable[Any]) -> nx.Graph:
    """The subgraph of ``graph`` on ``nodes`` (a read-only view), its nodes and
    neighbours in ``graph``'s own order. ``graph.subgraph(nodes)`` iterates a
    node set less than half the graph's in the set's order, which varies with
    PYTHONHASHSEED for string nodes: Louvain's shuffle and the spring layout
    start from that order, so clusters and pictures varied from run to run."""
    keep = frozenset(nodes)
    return nx.subgraph_view(graph, filter_node=keep.__contains__)


@dataclass(frozen=True)
class Clusters:
    communities: tuple[tuple[str, ...], ...]
    modularity: float
    bridges: tuple[tuple[str, str], ...]


def clusters(graph: nx.Graph, *, seed: int = SEED) -> Clusters:
    """Communities by Louvain with a fixed seed (deterministic), their
    modularity, and the edges that bridge two communities. A dense similarity
    graph (:func:`topic_graph`) is first thinned to each node's 3 strongest
    edges (:func:`backbone`): whole, it is one community of modularity 0."""
    if graph.graph.get("dense"):
        graph = backbone(graph)
    nodes = induced(graph, [n for n in graph if graph.degree(n) > 0])
    if nodes.number_of_edges() == 0:
        return Clusters((), 0.0, ())
    found = nx.community.louvain_communities(nodes, weight="weight", seed=seed)
    communities = tuple(sorted((tuple(sorted(c)) for c in found), key=lambda c: (-len(c), c)))
    modularity = nx.community.modularity(nodes, [set(c) for c in communities], weight="weight")
    member = {n: i for i, c in enumerate(communities) for n in c}
    bridges = tuple(sorted(tuple(sorted((a, b))) for a, b in nodes.edges() if member[a] != member[b]))
    return Clusters(communities, round(modularity, 6) + 0.0, bridges)


def _pagerank(graph: nx.Graph, *, damping: float = 0.85, tolerance: float = 1e-12) -> dict[Any, float]:
    """Weighted PageRank by power iteration (no SciPy needed); isolated nodes
    spread their rank evenly, as in networkx.

    >>> ranks = _pagerank(nx.Graph([("a", "b"), ("b", "c")]))
    >>> [round(ranks[v], 4) for v in "abc"]
    [0.2568, 0.4865, 0.2568]
    """
    nodes = sorted(graph, key=str)
    n = len(nodes)
    rank = {v: 1.0 / n for v in nodes}
    strength = {v: graph.degree(v, weight="weight") for v in nodes}
    for _ in range(1000):
        dangling = sum(rank[v] for v in nodes if strength[v] == 0)
        new = {}
        for v in nodes:
            incoming = sum(rank[u] * graph[u][v].get("weight", 1) / strength[u] for u in graph[v] if strength[u])
            new[v] = (1 - damping) / n + damping * (incoming + dangling / n)
        if sum(abs(new[v] - rank[v]) for v in nodes) < tolerance:
            return new
        rank = new
    return rank


def centrality(graph: nx.Graph) -> list[dict[str, Any]]:
    """Degree, weighted degree, betweenness and PageRank of every node, ranked by PageRank."""
    if graph.number_of_nodes() == 0:
        return []
    betweenness = nx.betweenness_centrality(graph, weight=None, seed=SEED)
    pagerank = _pagerank(graph)
    rows = [
        {"node": n, "label": graph.nodes[n].get("label", n), "degree": graph.degree(n),
         "weightedDegree": round(graph.degree(n, weight="weight"), 6), "betweenness": round(betweenness[n], 6),
         "pagerank": round(pagerank[n], 6)}
        for n in graph
    ]
    rows.sort(key=lambda r: (-r["pagerank"], -r["degree"], r["label"]))
    return rows


GRAPHS = ("topic", "tension", "relation", "jurisdiction")


def build(kg: KnowledgeGraph, kind: str, *, source: str | None = None) -> nx.Graph:
    """One of the graphs by name: topic, tension, relation or jurisdiction."""
    if kind == "topic":
        return topic_graph(kg, source=source)
    if kind == "tension":
        return tension_graph(kg, source=source)
    if kind == "relation":
        return relation_graph(kg, source=source)
    if kind == "jurisdiction":
        return jurisdiction_graph(kg, source=source)
    raise ValueError(f"unknown graph {kind!r}; choose one of {', '.join(GRAPHS)}")


def for_export(graph: nx.Graph) -> nx.Graph:
    """A copy whose attributes GraphML and GEXF can hold (lists become text)."""
    out = nx.Graph()
    for node, data in graph.nodes(data=True):
        out.add_node(node, **{k: (", ".join(v) if isinstance(v, (list, tuple)) else v) for k, v in data.items()})
    for a, b, data in graph.edges(data=True):
        out.add_edge(a, b, **{k: (", ".join(v) if isinstance(v, (list, tuple)) else v) for k, v in data.items()})
    return out
