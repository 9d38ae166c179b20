"""Network analysis: correct on small hand-made graphs whose answers are
known, deterministic on the shipped graph, and reachable from the CLI."""

from __future__ import annotations

import json

import networkx as nx
import pytest

import aigovkg
from aigovkg import analyse

from .conftest import run_cli


def test_similarity_measure():
    assert analyse.similarity({"a": 1.0, "b": 0.5}, {"a": 1.0, "b": 0.5})[0] == 1.0
    assert analyse.similarity({"a": 1.0, "b": 0.0}, {"a": 0.0, "b": 1.0})[0] == 0.0
    # a conflict against governance pulls the score below zero
    assert analyse.similarity({"a": 1.0}, {"a": -1.0})[0] == -1.0
    # shared silence adds nothing
    assert analyse.similarity({"a": 0.0, "b": 0.0}, {"a": 0.0, "b": 0.0})[0] == 0.0
    score, drivers = analyse.similarity({"x": 1.0, "y": 0.5, "z": 1.0}, {"x": 1.0, "y": 1.0, "z": 0.0})
    assert score == pytest.approx((1 + 0.5) / ((1 + 0.25 + 1) ** 0.5 * 2 ** 0.5), abs=1e-6)
    assert [k for k, _ in drivers] == ["x", "y"]


def test_not_assessed_cells_are_left_out():
    rows = [{"topic": "t1", "instrument": "i1", "level": "governs"},
            {"topic": "t1", "instrument": "i2", "level": "not-assessed"},
            {"topic": "t2", "instrument": "i1", "level": "governs"},
            {"topic": "t2", "instrument": "i2", "level": "silent"}]
    vectors = analyse.coverage_vectors(rows)
    assert vectors == {"t1": {"i1": 1.0}, "t2": {"i1": 1.0, "i2": 0.0}}
    graph = analyse.similarity_graph(vectors, {"t1": "One", "t2": "Two"})
    assert graph["t1"]["t2"]["weight"] == 1.0 and graph["t1"]["t2"]["shared"] == 1


def test_related_topics_best_first_ties_by_label():
    vectors = {"a": {"i": 1.0, "j": 1.0}, "b": {"i": 1.0, "j": 1.0}, "c": {"i": 1.0, "j": 1.0}, "d": {"i": 1.0, "j": 0.0}}
    graph = analyse.similarity_graph(vectors, {"a": "A", "b": "Beta", "c": "Alpha", "d": "D"})
    found = analyse.related_topics(graph, "a", top=3)
    assert [r.topic for r in found] == ["c", "b", "d"]
    assert found[0].score == 1.0 and found[2].score == pytest.approx(0.707107, abs=1e-6)


def _edges(graph):
    return list(graph.nodes(data=True)), [(a, b, d) for a, b, d in graph.edges(data=True)]


def _by_pairs(vectors, labels, instruments=None):
    graph = nx.Graph(dense=True)
    for t in sorted(vectors):
        graph.add_node(t, label=labels.get(t, t), kind="topic")
    return analyse._similarity_graph_by_pairs(graph, sorted(vectors), vectors, instruments)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_similarity_graph_equals_the_pairwise_measure(seed):
    """The matrix computation gives the graph the pair-by-pair measure gives,
    node and edge order, scores, drivers and shared counts, on random vectors
    with ties and conflicts; weights that are not multiples of 1/4 take the
    pair-by-pair way."""
    import random

    rng = random.Random(seed)
    levels = list(analyse.LEVEL_WEIGHT.values())
    vectors = {f"t{n:02d}": {f"i{k:02d}": rng.choice(levels) for k in range(40) if rng.random() < 0.7}
               for n in range(25)}
    labels = {t: t.upper() for t in vectors}
    instruments = {f"i{k:02d}": f"Instrument {k}" for k in range(0, 40, 3)}
    graph = analyse.similarity_graph(vectors, labels, instruments)
    pairs = _by_pairs(vectors, labels, instruments)
    assert _edges(graph) == _edges(pairs)
    assert graph.number_of_edges() > 100  # guard: the comparison covered many pairs
    assert [n for n in graph] == sorted(vectors)
    odd = {t: {k: w / 3 for k, w in v.items()} for t, v in vectors.items()}  # not dyadic: pair by pair
    assert _edges(analyse.similarity_graph(odd, labels)) == _edges(_by_pairs(odd, labels))


def test_similarity_graph_of_the_shipped_graph_equals_the_pairwise_measure(kg):
    rows = kg.results("coverage-matrix").records()
    vectors = analyse.coverage_vectors(rows)
    labels = {r["topic"]: r["topicLabel"] for r in rows}
    instruments = {r["instrument"]: r["instrumentLabel"] for r in rows}
    pairs = _by_pairs(vectors, labels, instruments)
    assert _edges(analyse.similarity_graph(vectors, labels, instruments)) == _edges(pairs)
    assert pairs.number_of_edges() > 50


def test_clusters_of_two_triangles_and_a_bridge():
    graph = nx.Graph([("a", "b"), ("b", "c"), ("a", "c"), ("x", "y"), ("y", "z"), ("x", "z"), ("c", "x")])
    found = analyse.clusters(graph)
    assert found.communities == (("a", "b", "c"), ("x", "y", "z"))
    assert found.modularity == pytest.approx(5 / 14, abs=1e-6)
    assert found.bridges == (("c", "x"),)
    assert analyse.clusters(graph) == found  # same input, same clusters


_CLUSTERS_OF_A_SPARSE_GRAPH = """
import networkx as nx
from aigovkg import analyse
graph = nx.Graph()
graph.add_nodes_from(f"alone{i}" for i in range(60))
for i in range(24):
    graph.add_edge(f"n{i}", f"n{(i + 1) % 24}", weight=1.0)
    graph.add_edge(f"n{i}", f"n{(i + 5) % 24}", weight=1.0)
print(analyse.clusters(graph))
"""


def test_clusters_do_not_depend_on_the_hash_seed():
    """Most nodes isolated and every edge of equal weight: Louvain's ties are
    broken by the order it meets the nodes in, which must be the graph's own,
    not a set's (that order changes with PYTHONHASHSEED)."""
    import os
    import subprocess
    import sys

    found = {
        subprocess.run([sys.executable, "-c", _CLUSTERS_OF_A_SPARSE_GRAPH], capture_output=True, text=True,
                       check=True, timeout=120, env={**os.environ, "PYTHONHASHSEED": seed}).stdout
        for seed in ("1", "2", "3", "4")
    }
    assert len(found) == 1, found


def test_centrality_on_a_path():
    graph = nx.Graph([("a", "b"), ("b", "c")])
    rows = {r["node"]: r for r in analyse.centrality(graph)}
    assert rows["b"]["betweenness"] == 1.0 and rows["a"]["betweenness"] == 0.0
    assert rows["b"]["pagerank"] == pytest.approx(0.486486, abs=1e-5)
    assert analyse.centrality(graph)[0]["node"] == "b"


def test_backbone_keeps_the_nearest():
    graph = nx.complete_graph(4)
    for a, b in graph.edges():
        graph[a][b]["weight"] = 1.0 / (1 + abs(a - b))
    kept = analyse.backbone(graph, k=1)
    assert sorted(kept.edges()) == [(0, 1), (1, 2), (2, 3)]


def test_forum_shopping_clusters_of_the_shipped_graph(kg):
    graph = analyse.tension_graph(kg)
    # Policy Window's three forum-shopping pairs and this project's three divergences of the EU AI Act
    assert graph.number_of_nodes() == 7 and graph.number_of_edges() == 6
    found = analyse.clusters(graph)
    assert len(found.communities) == 3 and found.modularity == pytest.approx(7 / 24, abs=1e-6)
    eu = "https://w3id.org/aigovkg/id/instrument/eu-ai-act"
    assert sorted(graph[eu]) == [f"https://w3id.org/aigovkg/id/instrument/{s}" for s in
                                 ("bletchley-declaration", "ca-sb-1047", "us-eo-14110", "us-eo-14179")]


def test_topic_page_explains_related_topics(kg):
    from aigovkg.model import topic_page

    page = topic_page(kg, "synthetic-content")
    similar = [r for r in page.related if r.relation == "similar"]
    assert len(similar) == 3 and all("cosine" in r.reason and "driven by" in r.reason for r in similar)
    assert any(r.relation == "broader" and r.slug == "transparency-disclosure" for r in page.related)


def test_cli_analysis_commands(tmp_path):
    related = run_cli("related", "synthetic-content", "--format", "json")
    assert related.returncode == 0, related.stderr
    rows = json.loads(related.stdout)
    assert len(rows) == 5 and rows[0]["score"] >= rows[-1]["score"]
    clusters = json.loads(run_cli("clusters", "--format", "json").stdout)
    assert len({m["cluster"] for m in clusters["members"]}) == 3
    again = json.loads(run_cli("clusters", "--graph", "topic", "--format", "json").stdout)
    assert again == json.loads(run_cli("clusters", "--graph", "topic", "--format", "json").stdout)
    centrality = run_cli("centrality", "--graph", "jurisdiction", "--format", "csv")
    assert centrality.returncode == 0 and centrality.stdout.splitlines()[1].startswith("jur:us,")
    out = tmp_path / "topics.graphml"
    assert run_cli("graph", "--kind", "topic", "--format", "graphml", "--out", str(out)).returncode == 0
    back = nx.read_graphml(out)
    assert back.number_of_nodes() == 23 and back.number_of_edges() > 0
    gexf = tmp_path / "tensions.gexf"
    assert run_cli("graph", "--kind", "tension", "--format", "gexf", "--out", str(gexf)).returncode == 0
    assert nx.read_gexf(gexf).number_of_edges() == 6
    bad = run_cli("related", "no-such-topic")
    assert bad.returncode == 2 and "no topic" in bad.stderr


def test_relation_graph_of_the_shipped_graph(kg):
    graph = analyse.relation_graph(kg)
    assert graph.number_of_nodes() == 19 and graph.number_of_edges() == 16
    top = sorted(analyse.centrality(graph), key=lambda r: (-r["degree"], r["label"]))[:2]
    assert {r["label"] for r in top} == {"OECD AI Principles (Recommendation)", "G7 Hiroshima AI Process Code of Conduct"}
    edge = graph["https://w3id.org/aigovkg/id/instrument/nist-ai-rmf-genai-profile"][
        "https://w3id.org/aigovkg/id/instrument/nist-ai-rmf"]
    assert edge["relations"] == ["NIST AI RMF Generative AI Profile builds-on NIST AI Risk Management Framework"]


SMALL_JURISDICTIONS = """
@prefix aigov: <https://w3id.org/aigovkg/ontology#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix inst: <https://w3id.org/aigovkg/id/instrument/> .
@prefix jur: <https://w3id.org/aigovkg/id/jurisdiction/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix src: <https://w3id.org/aigovkg/id/source/> .
@prefix topic: <https://w3id.org/aigovkg/id/topic/> .

src:tester a aigov:Source ; rdfs:label "Tester"@en ; skos:notation "tester" .
jur:xa a aigov:Jurisdiction ; rdfs:label "A"@en ; skos:notation "XA" ; aigov:jurisdictionKind aigov:Country .
jur:xb a aigov:Jurisdiction ; rdfs:label "B"@en ; skos:notation "XB" ; aigov:jurisdictionKind aigov:Country .
jur:xc a aigov:Jurisdiction ; rdfs:label "C"@en ; skos:notation "XC" ; aigov:jurisdictionKind aigov:Subnational ;
    aigov:partOf jur:xa .
jur:xo a aigov:Jurisdiction ; rdfs:label "O"@en ; skos:notation "XO" ;
    aigov:jurisdictionKind aigov:IntergovernmentalOrganisation .
jur:xa aigov:memberOf jur:xo .
jur:xb aigov:participatesIn jur:xo .
<https://w3id.org/aigovkg/id/membership/tester/xa/xo> a aigov:Membership ; aigov:member jur:xa ;
    aigov:organisation jur:xo ; aigov:membershipRole aigov:FullMember ; dcterms:source src:tester ;
    aigov:verification aigov:Verified .
<https://w3id.org/aigovkg/id/membership/tester/xb/xo> a aigov:Membership ; aigov:member jur:xb ;
    aigov:organisation jur:xo ; aigov:membershipRole aigov:Participant ; dcterms:source src:tester ;
    aigov:verification aigov:Unverified .
inst:i1 a aigov:Instrument ; rdfs:label "One"@en ; aigov:jurisdiction jur:xa .
inst:i2 a aigov:Instrument ; rdfs:label "Two"@en ; aigov:jurisdiction jur:xo .
inst:i3 a aigov:Instrument ; rdfs:label "Three"@en ; aigov:jurisdiction jur:xa .
topic:t a aigov:Topic .
<https://w3id.org/aigovkg/id/tension/tester/t/forum-shopping/i1--i2> a aigov:Tension ;
    aigov:tensionKind aigov:ForumShopping ; aigov:topic topic:t ; aigov:firstInstrument inst:i1 ;
    aigov:secondInstrument inst:i2 ; dcterms:source src:tester .
<https://w3id.org/aigovkg/id/tension/tester/t/divergence/i1--i3> a aigov:Tension ;
    aigov:tensionKind aigov:Divergence ; aigov:topic topic:t ; aigov:firstInstrument inst:i1 ;
    aigov:secondInstrument inst:i3 ; dcterms:source src:tester .
"""


def test_jurisdiction_graph_of_a_small_graph(tmp_path):
    (tmp_path / "small.ttl").write_text(SMALL_JURISDICTIONS, encoding="utf-8")
    graph = analyse.jurisdiction_graph(aigovkg.load(tmp_path))
    jur = "https://w3id.org/aigovkg/id/jurisdiction/"
    assert sorted(graph.nodes) == [jur + s for s in ("xa", "xb", "xc", "xo")]
    edges = {(a.rsplit("/", 1)[-1], b.rsplit("/", 1)[-1]): d for a, b, d in graph.edges(data=True)}
    edges = {tuple(sorted(k)): v for k, v in edges.items()}
    # a member that also has a tension with its organisation: both kinds, weight 2;
    # a tension inside one jurisdiction (i1--i3) links nothing
    assert edges == {
        ("xa", "xc"): {"weight": 1, "relation": "part of", "tensions": 0},
        ("xa", "xo"): {"weight": 2, "relation": "member; tension", "tensions": 1},
        ("xb", "xo"): {"weight": 1, "relation": "participant", "tensions": 0},
    }
    rows = {r["node"].rsplit("/", 1)[-1]: r for r in analyse.centrality(graph)}
    assert rows["xa"]["degree"] == 2 and rows["xa"]["weightedDegree"] == 3
    assert rows["xa"]["betweenness"] == pytest.approx(2 / 3) and rows["xo"]["betweenness"] == pytest.approx(2 / 3)
    assert list(analyse.jurisdiction_graph(aigovkg.load(tmp_path)).edges(data=True)) == list(graph.edges(data=True))
