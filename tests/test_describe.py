"""The VoID description's counts match SPARQL counts over the same graph."""

from __future__ import annotations

import pyoxigraph as ox

from aigovkg.describe import describe_turtle

VOID = "http://rdfs.org/ns/void#"


def _description(kg) -> ox.Store:
    store = ox.Store()
    store.extend(ox.parse(describe_turtle(kg, base_url="https://example.org/aigovkg"), format=ox.RdfFormat.TURTLE))
    return store


def test_void_counts_match_sparql(kg):
    void = _description(kg)
    dataset = "<https://w3id.org/aigovkg/id/dataset>"
    stated = {r["p"].value.rsplit("#", 1)[1]: int(r["n"].value) for r in void.query(
        f"SELECT ?p ?n WHERE {{ {dataset} ?p ?n FILTER(isLiteral(?n) && DATATYPE(?n) = xsd:integer) }}",
        prefixes={"xsd": "http://www.w3.org/2001/XMLSchema#"})}
    store = kg.loaded.store
    assert stated["triples"] == len(store) == kg.loaded.triples
    subjects = {q.subject for q in store}
    assert stated["distinctSubjects"] == len(subjects)
    assert stated["entities"] == len([s for s in subjects if isinstance(s, ox.NamedNode)])
    assert stated["properties"] == len({q.predicate for q in store})
    rdf_type = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    classes: dict[str, set] = {}
    for q in store.quads_for_pattern(None, rdf_type, None):
        classes.setdefault(q.object.value, set()).add(q.subject)
    assert stated["classes"] == len(classes)
    partitions = {r["c"].value: int(r["n"].value) for r in void.query(
        f"SELECT ?c ?n WHERE {{ {dataset} <{VOID}classPartition> ?part . ?part <{VOID}class> ?c ; <{VOID}entities> ?n }}")}
    assert partitions == {c: len(s) for c, s in classes.items()}
    assert partitions["https://w3id.org/aigovkg/ontology#Instrument"] == 33


def test_void_lists_every_dump_and_the_licence(kg):
    void = _description(kg)
    dumps = [r["d"].value for r in void.query(f"SELECT ?d WHERE {{ ?s <{VOID}dataDump> ?d }} ORDER BY ?d")]
    assert len(dumps) == 6 and all(d.startswith("https://example.org/aigovkg/dumps/aigovkg.") for d in dumps)
    assert bool(void.query("ASK { <https://w3id.org/aigovkg/id/dataset> <http://purl.org/dc/terms/license> "
                           "<https://creativecommons.org/licenses/by/4.0/> }"))


def test_void_describes_the_named_graphs_of_the_dumps(kg):
    from aigovkg.export import dump

    void = _description(kg)
    sd = "http://www.w3.org/ns/sparql-service-description#"
    stated = {r["g"].value: int(r["n"].value) for r in void.query(
        f"SELECT ?g ?n WHERE {{ <https://w3id.org/aigovkg/id/dataset> <{VOID}subset> ?s . "
        f"?s a <{sd}NamedGraph> ; <{sd}name> ?g ; <{VOID}triples> ?n ; <http://purl.org/dc/terms/description> ?d }}")}
    counted: dict[str, int] = {}
    for quad in ox.parse(dump(kg.loaded, "nquads"), format=ox.RdfFormat.N_QUADS):
        counted[quad.graph_name.value] = counted.get(quad.graph_name.value, 0) + 1
    graph = "https://w3id.org/aigovkg/id/graph/"
    assert stated == counted and set(stated) == {graph + "ontology", graph + "claims/aigovkg",
                                                 graph + "claims/policy-window", graph + "curated"}
    assert sum(stated.values()) == kg.loaded.triples
