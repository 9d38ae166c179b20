"""Every export format round-trips to an isomorphic graph and is byte-stable
across runs and PYTHONHASHSEEDs."""

from __future__ import annotations

import hashlib
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


# A graph with what the JSON-LD compaction has to get right: language tags (on a
# term that fixes one, on the same property in another language, and none),
# datatypes (a term's own, another on the same property, xsd numbers JSON can and
# cannot carry as they were written), strings that need escaping, IRIs beyond
# ASCII or with a query and fragment, IRIs in a prefix's namespace that do not
# compact, literals on properties whose term takes IRIs, and blank nodes: nested,
# a collection (written as @list), collections that @list cannot carry (typed
# rdf:List, referred to twice), a blank node as the value of a term that takes
# IRIs (rdflib's converter dropped its triples), blank nodes that only refer to
# each other (dropped too), a collection that is its own item, and rdf:type values
# that are not IRIs.
TRICKY = r"""@prefix ex: <http://example.org/> .
@prefix aigov: <https://w3id.org/aigovkg/ontology#> .
@prefix inst: <https://w3id.org/aigovkg/id/instrument/> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
inst:act a aigov:Instrument, ex:Thing ;
    rdfs:label "An act"@en, "Une loi"@fr, "Ein Gesetz"@de-CH-1996, "no tag",
        "Act \"quoted\" \\ back\nslash\ttab"@en-GB ;
    skos:notation "act", "ACT"@en ;
    aigov:dateAdopted "2024-06-13"^^xsd:date, "2024"^^xsd:gYear, "2024-06-13Z"^^xsd:date ;
    aigov:jurisdiction <https://w3id.org/aigovkg/id/jurisdiction/eu>, "EU, as text" ;
    dcterms:source <http://example.org/caf\u00e9?q=1&r=2#frag>, _:src ;
    ex:count 1, "01"^^xsd:integer, "-0"^^xsd:integer, "100000000000000000000000"^^xsd:integer ;
    ex:flag true, "1"^^xsd:boolean ;
    ex:ratio "1.5E0"^^xsd:double, "1.50"^^xsd:double, "INF"^^xsd:double, "NaN"^^xsd:double ;
    ex:amount 1.50 ;
    ex:custom "x"^^ex:type ;
    ex:chars "\U0001F600 \u00e9 \u0007 \u0000 </script>" ;
    ex:nested [ ex:q "one" ; ex:r [ ex:s "deep"@en ] ] ;
    ex:list ( "x" 2 ex:item ( "inner" ) ) ;
    ex:empty () ;
    ex:typedList _:t1 .
<https://w3id.org/aigovkg/id/instrument/a/b> rdfs:label "slash in the local name"@en .
<http://example.org/%7Euser/it's> ex:p ex:o .
ex:node ex:p _:sh1 ; ex:q _:sh1 ; ex:r _:onlyobject .
_:src ex:q "kept" .
_:t1 a rdf:List ; rdf:first "a" ; rdf:rest rdf:nil .
_:sh1 rdf:first "shared" ; rdf:rest rdf:nil .
_:c1 ex:next _:c2 .
_:c2 ex:next _:c1 .
_:self rdf:first _:self ; rdf:rest rdf:nil .
ex:odd a "literal type", _:btype .
"""


def _tricky() -> list[ox.Triple]:
    return [quad.triple for quad in ox.parse(TRICKY, format=ox.RdfFormat.TURTLE)]


def _strings(triples) -> list[str]:
    return [str(t) for t in canonical_triples(triples)]


def test_jsonld_reads_back_as_the_same_graph_in_pyoxigraph_and_rdflib():
    import rdflib
    from rdflib.compare import isomorphic

    from aigovkg._literals import rdflib_as_written

    triples = _tricky()
    assert len(triples) == 63
    data = serialize(triples, "jsonld")
    assert data == serialize(list(reversed(_tricky())), "jsonld")  # the same bytes from any order
    # Oxigraph's JSON-LD parser; the context is embedded, so nothing is fetched.
    back = [quad.triple for quad in ox.parse(data, format=ox.RdfFormat.JSON_LD)]
    assert _strings(back) == _strings(triples)
    # rdflib's, with literals kept as written. It reads a JSON number with a
    # fraction as an xsd:double in its own lexical form ("1.5", where JSON-LD
    # says "1.5E0", as Oxigraph reads it): compare doubles by value there.
    with rdflib_as_written():
        expected = rdflib.Graph().parse(data=serialize(triples, "ntriples"), format="nt")
        read = rdflib.Graph().parse(data=data, format="json-ld")

    def by_value(graph):
        out = rdflib.Graph()
        for s, p, o in graph:
            if isinstance(o, rdflib.Literal) and o.datatype == rdflib.XSD.double and o.value is not None:
                o = rdflib.Literal(repr(o.value), datatype=rdflib.XSD.double)
            out.add((s, p, o))
        return out

    assert len(read) == len(expected) == 63 and isomorphic(by_value(read), by_value(expected))
    # What the compaction wrote, where it had a choice.
    nodes = {node["id"]: node for node in json.loads(data)["@graph"]}
    act = nodes["inst:act"]
    assert act["label"] == "An act" and act["dateAdopted"] == ["2024-06-13", "2024-06-13Z"]
    assert act["aigov:dateAdopted"] == {"@value": "2024", "type": "xsd:gYear"}
    assert act["jurisdiction"] == "jur:eu" and act["aigov:jurisdiction"] == "EU, as text"
    assert act["http://example.org/count"][:2] == [1, {"@value": "-0", "type": "xsd:integer"}]
    assert act["http://example.org/ratio"][0] == 1.5
    assert act["http://example.org/list"] == {"@list": ["x", 2, {"id": "http://example.org/item"},
                                                         {"@list": ["inner"]}]}
    assert act["http://example.org/empty"] == {"@list": []}
    # The blank node under a term that takes IRIs keeps its own node.
    blank = act["source"][0]
    assert act["source"] == [blank, "http://example.org/café?q=1&r=2#frag"]
    assert nodes[blank]["http://example.org/q"] == "kept"
    # A collection typed rdf:List, and one referred to twice, stay nodes.
    assert nodes[act["http://example.org/typedList"]["id"]]["type"] == "rdf:List"
    shared = nodes["http://example.org/node"]["http://example.org/p"]["id"]
    assert nodes[shared]["rdf:first"] == "shared"
    assert nodes["http://example.org/odd"]["rdf:type"][0] == "literal type"


def test_jsonld_makes_no_rdflib_graph(kg, monkeypatch):
    """The JSON-LD is compacted by one pass over the subjects, not by
    rdflib's whole-graph converter: no rdflib graph is made."""
    import rdflib

    def refuse(*_args, **_kwargs):
        raise AssertionError("an rdflib graph was made")

    monkeypatch.setattr(rdflib.Graph, "__init__", refuse)
    doc = json.loads(dump(kg.loaded.store, "jsonld"))
    assert len(doc["@graph"]) > 1000


def test_jsonld_is_what_rdflib_compacts_of_the_same_graph(kg):
    """On the shipped graph (no blank nodes), the node objects are those rdflib's
    serializer makes of the whole graph with the same context; and the text is
    what json.dumps makes of the whole document, though written a node at a time."""
    import rdflib

    from aigovkg.export import canonical_store, context

    whole = dump(kg.loaded.store, "jsonld")
    document = json.loads(whole)
    assert whole.decode("utf-8") == json.dumps(document, indent=2, ensure_ascii=False, sort_keys=True) + "\n"
    graph = rdflib.Graph().parse(data=canonical_store(kg.loaded.store).text.read(), format="nt")
    theirs = json.loads(graph.serialize(format="json-ld", context=context(), auto_compact=True))

    def normal(node):
        return {key: sorted(value, key=lambda v: json.dumps(v, sort_keys=True)) if isinstance(value, list) else value
                for key, value in node.items()}

    ours = sorted((normal(node) for node in document["@graph"]), key=lambda node: node["id"])
    expected = sorted((normal(node) for node in theirs["@graph"]), key=lambda node: node["id"])
    assert len(ours) == len(expected) > 1000
    assert ours == expected


def test_export_out_streams_to_a_temporary_file_renamed_into_place(kg, tmp_path):
    """`export --out` writes the dump through a temporary file beside the
    target, renamed onto it when complete; a dump that fails midway leaves the
    previous file as it was and no temporary file behind."""
    from aigovkg._io import open_atomic

    out = tmp_path / "aigovkg.jsonld"
    out.write_bytes(b"previous")
    result = subprocess.run([sys.executable, "-m", "aigovkg", "export", "--format", "jsonld", "--out", str(out)],
                            capture_output=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert out.read_bytes() == dump(kg.loaded.store, "jsonld")
    with pytest.raises(RuntimeError), open_atomic(out) as handle:
        handle.write(b"half a dump")
        assert [path.name for path in tmp_path.iterdir() if path.name.endswith(".tmp")]
        raise RuntimeError("stopped midway")
    assert out.read_bytes() == dump(kg.loaded.store, "jsonld")
    assert sorted(path.name for path in tmp_path.iterdir()) == ["aigovkg.jsonld"]


def test_a_context_the_streaming_compaction_cannot_write_is_refused():
    from aigovkg._jsonld import Terms
    from aigovkg.export import context

    Terms(context())  # the shipped one
    for extra in ({"@vocab": "http://example.org/"}, {"@language": "en"},
                  {"tags": {"@id": "http://example.org/tag", "@container": "@set"}}):
        with pytest.raises(ValueError, match="streaming compaction does not write"):
            Terms({**context(), **extra})


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


def test_named_graphs_made_a_file_at_a_time_are_those_made_over_the_whole_dataset(kg, tmp_path, monkeypatch):
    """The named graphs' N-Quads made a file at a time (no blank node) are the
    lines the general way gives (canonical labels over the whole dataset), on
    the shipped graph's files; a file whose text holds `_:` in a literal or an
    IRI, or a blank node, goes the general way."""
    from aigovkg import export
    from aigovkg.loader import load_graph

    def lines(quads: export.Quads) -> tuple[bytes, list[bytes], dict[str, int]]:
        return quads.text.read(), [t.read() for t in quads.by_graph], quads.sizes

    assert kg.loaded is not None
    shipped = lines(export.named_quads(kg.loaded))
    assert shipped == lines(export._named_quads_with_blank_nodes(kg.loaded)) and len(shipped[1]) == 4
    (tmp_path / "a.ttl").write_text('@prefix ex: <http://example.org/> .\nex:a ex:p "x _:y" .\n', encoding="utf-8")
    (tmp_path / "b.ttl").write_text("@prefix ex: <http://example.org/> .\nex:b ex:p <http://e/_:z> .\n",
                                    encoding="utf-8")
    general = export._named_quads_with_blank_nodes
    calls: list[object] = []
    monkeypatch.setattr(export, "_named_quads_with_blank_nodes", lambda graph: calls.append(graph) or general(graph))
    for text in (None, "@prefix ex: <http://example.org/> .\nex:c ex:p [ ex:q 1 ] .\n"):
        if text is not None:
            (tmp_path / "c.ttl").write_text(text, encoding="utf-8")
        loaded = load_graph(tmp_path, ontology=False)
        calls.clear()
        made = lines(export.named_quads(loaded))
        assert calls and made == lines(general(loaded))
        assert b'"x _:y"' in made[0] and b"<http://e/_:z>" in made[0]


def test_sorted_lines_spill_to_runs_and_merge_back_in_order(tmp_path, monkeypatch):
    """Beyond its budget SortedLines sorts what it holds into a run file; more
    runs than it keeps open are merged into one first; reading merges them.
    The lines come back as sorted() gives them (without repeats when unique),
    and the runs are gone once read."""
    import random

    from aigovkg import _sorted_lines
    from aigovkg._sorted_lines import SortedLines

    monkeypatch.setattr(_sorted_lines, "FAN_IN", 3)
    rng = random.Random(7)
    lines = [f"<s{rng.randrange(2000)}> \"{'é' * rng.randrange(4)}{rng.random()}\" .\n".encode() for _ in range(5000)]
    lines += lines[:700]  # repeats, across runs
    spills = []
    for unique in (False, True):
        scratch = tmp_path / str(unique)
        scratch.mkdir()
        sorter = SortedLines(scratch, unique=unique, budget=4096)
        original = sorter._spill
        monkeypatch.setattr(sorter, "_spill", lambda original=original: (spills.append(1), original())[1])
        for start in range(0, len(lines), 250):
            sorter.add(lines[start:start + 250])
        expected = sorted(set(lines)) if unique else sorted(lines)
        assert list(sorter) == expected
        assert not list(scratch.iterdir())
    assert len(spills) > 2 * 3 * _sorted_lines.FAN_IN  # many runs, so the intermediate merge ran


def test_dumps_sorted_through_files_are_the_dumps_sorted_in_memory(kg, tmp_path, monkeypatch):
    """The build's dumps sort the graph's lines and its named graphs' lines
    through run files when they exceed the budget: with a budget of 64 KiB the
    shipped graph's spill to dozens of runs, and every dump is byte for byte
    what the export command writes holding everything in memory; the scratch
    folder is gone."""
    from aigovkg import _sorted_lines
    from aigovkg.build import Stage, write_dumps
    from aigovkg.export import SUFFIX

    monkeypatch.setattr(_sorted_lines, "BUDGET", 64 << 10)
    monkeypatch.setattr(_sorted_lines, "FAN_IN", 8)
    spills = []
    original = _sorted_lines.SortedLines._spill
    monkeypatch.setattr(_sorted_lines.SortedLines, "_spill", lambda self: (spills.append(1), original(self))[1])
    stage = Stage(tmp_path)
    write_dumps(kg, stage, base_url="https://w3id.org/aigovkg/")
    assert len(spills) > 40
    for fmt in ExportFormat:
        assert (tmp_path / "dumps" / f"aigovkg.{SUFFIX[fmt]}").read_bytes() == dump(kg.loaded, fmt), fmt
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dumps"]
    assert sorted(stage.written) == sorted(p.relative_to(tmp_path).as_posix()
                                           for p in tmp_path.rglob("*") if p.is_file())


@pytest.mark.parametrize("fmt", ["nquads", "jsonld"])
def test_the_export_command_sorts_a_large_graph_through_a_temporary_folder(kg, tmp_path, monkeypatch, fmt):
    """`aigovkg export` sorts through files in a temporary folder once the
    graph's lines exceed the budget (64 KiB here: dozens of runs): the same
    bytes as sorted in memory, and the folder is gone afterwards."""
    import tempfile

    from click.testing import CliRunner

    from aigovkg import _sorted_lines
    from aigovkg.cli import cli

    temporary = tmp_path / "tmp"
    temporary.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temporary))
    monkeypatch.setattr(_sorted_lines, "BUDGET", 64 << 10)
    spills = []
    original = _sorted_lines.SortedLines._spill
    monkeypatch.setattr(_sorted_lines.SortedLines, "_spill", lambda self: (spills.append(1), original(self))[1])
    out = tmp_path / f"graph.{fmt}"
    result = CliRunner().invoke(cli, ["export", "--format", fmt, "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert len(spills) > 20
    assert out.read_bytes() == dump(kg.loaded, fmt)
    assert not list(temporary.iterdir())
