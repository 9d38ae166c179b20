"""Every export format round-trips to an isomorphic graph and is byte-stable
across runs and PYTHONHASHSEEDs."""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import subprocess
import sys

import pyoxigraph as ox
import pytest

from aigovkg.export import PARSE_FORMAT, ExportFormat, canonical_triples, dump, graph_triples, serialize

FORMATS = list(ExportFormat)


def test_format_count():
    assert len(FORMATS) == 6


@pytest.mark.parametrize("fmt", FORMATS, ids=[f.value for f in FORMATS])
def test_round_trip_is_isomorphic(kg, fmt):
    data = dump(kg.loaded.store, fmt)
    back = [q.triple for q in ox.parse(data, format=PARSE_FORMAT[fmt])]
    original = graph_triples(kg.loaded.store)
    assert len(back) == len(original) == kg.loaded.triples
    assert [str(t) for t in canonical_triples(back)] == [str(t) for t in original]


@pytest.mark.parametrize("fmt", FORMATS, ids=[f.value for f in FORMATS])
def test_byte_stable_across_hash_seeds(fmt):
    digests = set()
    for seed in ("0", "1", "12345"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        out = subprocess.run([sys.executable, "-m", "aigovkg", "export", "--format", fmt.value],
                             capture_output=True, env=env, timeout=120, check=True).stdout
        digests.add(hashlib.sha256(out).hexdigest())
    assert len(digests) == 1


def test_jsonld_uses_short_keys_and_needs_no_network(kg):
    doc = json.loads(dump(kg.loaded.store, "jsonld"))
    assert isinstance(doc["@context"], dict)  # embedded, not a URL to fetch
    eu = next(n for n in doc["@graph"] if n.get("id") == "inst:eu-ai-act")
    assert eu["jurisdiction"] == "jur:eu" and eu["dateAdopted"] == "2024-06-13"
    assert eu["label"] == "EU AI Act"


def test_blank_nodes_get_canonical_labels():
    a = ox.BlankNode()
    b = ox.BlankNode()
    p = ox.NamedNode("http://e/p")
    one = canonical_triples([ox.Triple(a, p, ox.Literal("x"))])
    two = canonical_triples([ox.Triple(b, p, ox.Literal("x"))])
    assert [str(t) for t in one] == [str(t) for t in two]


BLANK = """@prefix ex: <http://example.org/> .
ex:a ex:p [ ex:q "one" ; ex:r [ ex:s "deep"@en ] ] ; ex:list ( "x" "y" ) .
ex:b ex:p [ ex:q "one" ] .
_:z ex:q ex:a .
"""


@pytest.mark.parametrize("fmt", list(ExportFormat))
def test_blank_nodes_export_the_same_bytes_every_time(fmt):
    """Every format, JSON-LD included (rdflib names blank nodes afresh on each
    parse unless told to keep their labels), gives the same bytes for the same
    graph, and reads back as the same graph."""
    triples = [quad.triple for quad in ox.parse(BLANK, format=ox.RdfFormat.TURTLE)]
    first = serialize(triples, fmt)
    again = serialize(list(reversed([quad.triple for quad in ox.parse(BLANK, format=ox.RdfFormat.TURTLE)])), fmt)
    assert first == again
    back = [quad.triple for quad in ox.parse(first, format=PARSE_FORMAT[fmt])]
    assert [str(t) for t in canonical_triples(back)] == [str(t) for t in canonical_triples(triples)]


def test_empty_graph_exports():
    assert serialize([], "ntriples") == b""
    assert json.loads(serialize([], "jsonld"))["@graph"] == []
    text = serialize([], "jsonld").decode("utf-8")
    assert text == json.dumps(json.loads(text), indent=2, ensure_ascii=False, sort_keys=True) + "\n"


def test_canonical_order_is_the_order_of_the_triples_text(kg):
    """The N-Triples line sort gives the order of sorting the triples' text,
    also where one literal is a prefix of another, tags, datatypes, escapes
    and characters beyond ASCII differ."""
    ex = "http://example.org/"
    s, p = ox.NamedNode(ex + "s"), ox.NamedNode(ex + "p")
    objects = [ox.Literal("a"), ox.Literal("a", language="en"), ox.Literal("a", language="en-gb"),
               ox.Literal("a", datatype=ox.NamedNode(ex + "t")), ox.Literal("ab"), ox.Literal('a"b'),
               ox.Literal("a\nb"), ox.Literal("a\\b"), ox.Literal("é"), ox.Literal("z"), ox.Literal("\U0001f600"),
               ox.NamedNode(ex + "o"), ox.NamedNode(ex + "o/1"), ox.NamedNode(ex + "é")]
    tricky = [ox.Triple(s, p, o) for o in objects]
    every = tricky + graph_triples(kg.loaded.store)
    assert canonical_triples(reversed(every)) == sorted(every, key=str)
    assert len(every) > 7000


def test_jsonld_compacted_a_chunk_at_a_time_is_the_same(kg, monkeypatch):
    from aigovkg import export

    whole = dump(kg.loaded.store, "jsonld")
    canonical = export.canonical_store(kg.loaded.store)
    chunks = list(export._subject_chunks(canonical, 2000))
    assert len(chunks) > 20 and b"".join(chunks) == canonical.text
    # No subject is split between two chunks, and each chunk is whole lines.
    assert all(chunk.endswith(b"\n") for chunk in chunks)
    assert all(a.splitlines()[-1].split(b" ")[0] != b.split(b" ")[0] for a, b in itertools.pairwise(chunks))
    monkeypatch.setattr(export, "_JSONLD_CHUNK", 2000)
    assert dump(kg.loaded.store, "jsonld") == whole
    # Streamed a node at a time, the text is what json.dumps makes of the whole document.
    document = json.loads(whole)
    assert whole.decode("utf-8") == json.dumps(document, indent=2, ensure_ascii=False, sort_keys=True) + "\n"


GRAPH = "https://w3id.org/aigovkg/id/graph/"
GRAPH_NAMES = {GRAPH + "ontology", GRAPH + "claims/aigovkg", GRAPH + "claims/policy-window", GRAPH + "curated"}


@pytest.fixture(scope="module")
def exported(tmp_path_factory) -> dict[str, bytes]:
    """The shipped graph as `aigovkg export` writes it, twice over for the dataset formats."""
    out: dict[str, bytes] = {}
    for fmt in ("turtle", "jsonld", "nquads", "trig", "nquads-again", "trig-again"):
        result = subprocess.run([sys.executable, "-m", "aigovkg", "export", "--format", fmt.split("-")[0]],
                                capture_output=True, timeout=120, check=True)
        out[fmt] = result.stdout
    return out


@pytest.mark.parametrize("fmt", ["nquads", "trig"])
def test_dataset_dumps_put_each_part_in_its_named_graph(exported, fmt):
    import rdflib
    from rdflib.compare import isomorphic

    assert exported[fmt] == exported[f"{fmt}-again"]  # deterministic, byte for byte
    turtle = rdflib.Graph().parse(data=exported["turtle"], format="turtle")
    # rdflib
    dataset = rdflib.Dataset()
    dataset.parse(data=exported[fmt], format=fmt)
    graphs = {str(g.identifier): g for g in dataset.graphs() if len(g)}
    assert set(graphs) == GRAPH_NAMES  # the default graph is empty
    union = rdflib.Graph()
    for graph in graphs.values():
        for triple in graph:
            union.add(triple)
    assert len(union) == len(turtle) == sum(len(g) for g in graphs.values()) and isomorphic(union, turtle)
    # pyoxigraph
    quads = list(ox.parse(exported[fmt], format=PARSE_FORMAT[ExportFormat(fmt)]))
    by_graph: dict[str, set] = {}
    for quad in quads:
        assert isinstance(quad.graph_name, ox.NamedNode)
        by_graph.setdefault(quad.graph_name.value, set()).add(quad.triple)
    assert set(by_graph) == GRAPH_NAMES and len(quads) == len(turtle)
    from_turtle = {q.triple for q in ox.parse(exported["turtle"], format=ox.RdfFormat.TURTLE)}
    assert set().union(*by_graph.values()) == from_turtle
    # each part where it belongs
    a = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
    aigov = "https://w3id.org/aigovkg/ontology#"
    claim = ox.NamedNode("https://w3id.org/aigovkg/id/claim/policy-window/international-coordination/eu-ai-act")
    assert ox.Triple(claim, ox.NamedNode(a), ox.NamedNode(aigov + "CoverageClaim")) in by_graph[GRAPH + "claims/policy-window"]
    ours = ox.NamedNode("https://w3id.org/aigovkg/id/claim/aigovkg/human-oversight/eu-ai-act")
    assert ox.Triple(ours, ox.NamedNode(a), ox.NamedNode(aigov + "CoverageClaim")) in by_graph[GRAPH + "claims/aigovkg"]
    assert ox.Triple(ox.NamedNode(aigov + "Instrument"), ox.NamedNode(a),
                     ox.NamedNode("http://www.w3.org/2002/07/owl#Class")) in by_graph[GRAPH + "ontology"]
    eu = ox.NamedNode("https://w3id.org/aigovkg/id/instrument/eu-ai-act")
    assert ox.Triple(eu, ox.NamedNode(a), ox.NamedNode(aigov + "Instrument")) in by_graph[GRAPH + "curated"]


def test_json_ld_which_could_hold_named_graphs_stays_in_the_default_graph(exported):
    quads = list(ox.parse(exported["jsonld"], format=ox.RdfFormat.JSON_LD))
    assert len(quads) == len(list(ox.parse(exported["turtle"], format=ox.RdfFormat.TURTLE)))
    assert all(isinstance(q.graph_name, ox.DefaultGraph) for q in quads)


def test_blank_nodes_in_named_graphs_get_the_same_labels_every_time(tmp_path):
    """A data folder with blank nodes in a claims folder and elsewhere: the
    N-Quads and TriG are the same bytes on every load, and read back as the graph."""
    from aigovkg.loader import load_graph

    (tmp_path / "claims" / "someone").mkdir(parents=True)
    (tmp_path / "claims" / "someone" / "x.ttl").write_text(BLANK, encoding="utf-8")
    (tmp_path / "other.ttl").write_text(BLANK.replace("ex:a", "ex:c"), encoding="utf-8")
    runs = [(dump(load_graph(tmp_path, ontology=False), "nquads"), dump(load_graph(tmp_path, ontology=False), "trig"))
            for _ in range(3)]
    assert len(set(runs)) == 1
    nquads, trig = runs[0]
    for data, fmt in ((nquads, ox.RdfFormat.N_QUADS), (trig, ox.RdfFormat.TRIG)):
        quads = list(ox.parse(data, format=fmt))
        assert {q.graph_name.value for q in quads} == {GRAPH + "claims/someone", GRAPH + "curated"}
        loaded = load_graph(tmp_path, ontology=False)
        assert [str(t) for t in canonical_triples(q.triple for q in quads)] == \
            [str(t) for t in canonical_triples(loaded.written_triples())]
