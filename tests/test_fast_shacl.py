"""The fast validator (shapes compiled to SPARQL on Oxigraph) against pySHACL,
the reference: both must report the same results on every case."""

from __future__ import annotations

import json
import re
import shutil
from collections import Counter
from pathlib import Path

import pyoxigraph as ox
import pytest

from aigovkg import shacl
from aigovkg.loader import LoadedFile, LoadedGraph, load_graph
from aigovkg.validate import Violation, check_shapes, run_shapes, validate

HERE = Path(__file__).parent
COMPONENTS = HERE / "fast_shacl"
SHAPE_CASES = sorted(p for p in (HERE / "shapes").glob("*.ttl") if p.name != "base.ttl")


def _key(violations: list[Violation], *, messages: bool = True) -> set[tuple[str | None, ...]]:
    """What identifies a result; blank node labels differ between engines, and
    so do the default messages of shapes that have no sh:message."""

    def bnode(text: str | None) -> str | None:
        if text is None:
            return None
        return re.sub(r"^(_:\w+|N[0-9a-f]{32})$", "_:b", text)

    return {(bnode(v.focus), v.rule, v.path, bnode(v.value), v.severity, v.message if messages else None)
            for v in violations}


def _raw(data: Path) -> LoadedGraph:
    """Data loaded without the loader's literal checks, so that the engines
    can be compared on ill-typed literals too (the loader refuses those)."""
    store = ox.Store()
    files = sorted(data.glob("*.ttl"))
    for path in files:
        store.load(path.read_bytes(), format=ox.RdfFormat.TURTLE)
    return LoadedGraph(store, data, tuple(LoadedFile(p) for p in files))


def _both(data: Path, shapes: Path | None = None, *, ontology: bool = True, raw: bool = False):
    loaded = _raw(data) if raw else load_graph(data, ontology=ontology)
    fast = run_shapes(loaded, shapes_file=shapes, engine="fast")
    reference = run_shapes(loaded, shapes_file=shapes, engine="pyshacl")
    assert fast.notes == reference.notes == ()
    return fast.violations, reference.violations


def test_every_component_agrees_with_pyshacl(tmp_path: Path):
    shutil.copy(COMPONENTS / "data.ttl", tmp_path / "data.ttl")
    fast, reference = _both(tmp_path, COMPONENTS / "shapes.ttl", raw=True)
    assert _key(fast, messages=False) == _key(reference, messages=False)
    # Guard: the case file really breaks many rules, of every kind.
    assert len(_key(fast, messages=False)) == 64
    rules = {v.rule for v in fast}
    # Every targeted shape but the deactivated one (22), the two named property
    # shapes of ex:HandShape, and "anonymous shape" for those nested in a property shape.
    assert len(rules) == 25, sorted(rules)
    assert not any(v.rule == "http://example.org/Off" for v in fast)  # deactivated
    by_value = {(v.path, v.value) for v in fast}
    assert ("http://example.org/when", "2024-02-30") in by_value  # ill-typed date
    assert ("http://example.org/count", "abc") in by_value  # ill-typed integer
    assert ("http://example.org/small", "c") in by_value  # ill-typed byte


def _results(outcome) -> Counter:
    """Each result in RDF terms, blank nodes alike, with its component, counted."""
    def term(t) -> str:
        return "" if t is None else "_:" if isinstance(t, ox.BlankNode) else str(t)

    return Counter((term(r.focus), term(r.path), term(r.value), r.component, term(r.shape), r.severity)
                   for r in outcome.results)


def test_every_component_gives_pyshacls_results_in_rdf_terms():
    """The same file through check_shapes: the same results as pySHACL, each
    as often, with the same constraint component, path node and shape, for
    all 28 constraint components of SHACL Core, on the fast engine alone."""
    store = ox.Store()
    store.load(path=COMPONENTS / "data.ttl", format=ox.RdfFormat.TURTLE)
    shapes = shacl.ShapesGraph((COMPONENTS / "shapes.ttl").read_bytes())
    fast = check_shapes(store, shapes, engine="fast")
    reference = check_shapes(store, shapes, engine="pyshacl")
    assert fast.fallbacks == ()
    assert _results(fast) == _results(reference)
    assert sum(_results(fast).values()) == 78
    assert len({r.component for r in fast.results}) == 28


@pytest.mark.parametrize("case", SHAPE_CASES, ids=[p.stem for p in SHAPE_CASES])
def test_shape_cases_agree_with_pyshacl(case: Path, tmp_path: Path):
    shutil.copy(HERE / "shapes" / "base.ttl", tmp_path / "base.ttl")
    shutil.copy(case, tmp_path / case.name)
    fast, reference = _both(tmp_path)
    assert _key(fast) == _key(reference)


def test_case_count():
    assert len(SHAPE_CASES) == 26


def test_shipped_graph_agrees(kg):
    loaded = kg.loaded
    fast = run_shapes(loaded, engine="fast")
    reference = run_shapes(loaded, engine="pyshacl")
    assert fast.violations == reference.violations == ()
    assert fast.notes == ()  # every shape of the project on the fast engine


def test_ill_typed_boolean_keeps_its_lexical_form(tmp_path: Path):
    # rdflib rewrites "yes"^^xsd:boolean as "false" before pySHACL sees it;
    # the fast engine reports the literal as it was written.
    data = tmp_path / "data"
    data.mkdir()
    (data / "d.ttl").write_text(
        '@prefix ex: <http://example.org/> . @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n'
        'ex:a a ex:Thing ; ex:flag "yes"^^xsd:boolean .\n', encoding="utf-8")
    shapes = tmp_path / "s.ttl"
    shapes.write_text(
        '@prefix ex: <http://example.org/> . @prefix sh: <http://www.w3.org/ns/shacl#> .\n'
        '@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n'
        'ex:S a sh:NodeShape ; sh:targetClass ex:Thing ;\n'
        '  sh:property [ sh:path ex:flag ; sh:datatype xsd:boolean ] .\n', encoding="utf-8")
    fast = run_shapes(_raw(data), shapes_file=shapes, engine="fast").violations
    assert [(v.rule, v.value) for v in fast] == [("http://example.org/S", "yes")]


def test_the_store_keeps_a_derived_integer_as_xsd_integer(tmp_path: Path):
    """Oxigraph stores "5"^^xsd:byte as "5"^^xsd:integer (oxigraph/oxigraph#526):
    read straight from the store, sh:datatype xsd:byte finds the wrong
    datatype, in both engines. A limit of the store, pinned so that a change
    shows. The loader records the literal as written, and then neither engine
    does: the fast one leaves the shape that reads it to pySHACL."""
    (tmp_path / "d.ttl").write_text(
        '@prefix ex: <http://example.org/> . @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n'
        'ex:a a ex:Thing ; ex:small "5"^^xsd:byte .\n', encoding="utf-8")
    shapes = tmp_path.parent / "byte.ttl"
    shapes.write_text(
        '@prefix ex: <http://example.org/> . @prefix sh: <http://www.w3.org/ns/shacl#> .\n'
        '@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n'
        'ex:S a sh:NodeShape ; sh:targetClass ex:Thing ; sh:property [ sh:path ex:small ; sh:datatype xsd:byte ] .\n',
        encoding="utf-8")
    loaded = _raw(tmp_path)
    assert [str(q.object) for q in loaded.store if q.predicate.value.endswith("small")] == [
        '"5"^^<http://www.w3.org/2001/XMLSchema#integer>']
    fast, reference = _both(tmp_path, shapes, raw=True)
    assert [(v.rule, v.value) for v in fast] == [(v.rule, v.value) for v in reference] == [("http://example.org/S", "5")]
    loaded = load_graph(tmp_path, ontology=False)
    fast_run = run_shapes(loaded, shapes_file=shapes, engine="fast")
    assert fast_run.violations == run_shapes(loaded, shapes_file=shapes, engine="pyshacl").violations == ()
    assert [note.split(" because ")[0] for note in fast_run.notes] == [
        "shape http://example.org/S: validated by pySHACL"]


SPARQL_AND_CLOSED = """@prefix ex: <http://example.org/> . @prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> . @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
ex:Closed a sh:NodeShape ; sh:targetClass ex:Thing ; sh:closed true ;
  sh:ignoredProperties ( rdf:type ) ; sh:property [ sh:path ex:p ] .
ex:Sparql a sh:NodeShape ; sh:targetClass ex:Thing ;
  sh:sparql [ sh:message "no ex:p of 1" ;
              sh:select "SELECT $this ?value WHERE { $this <http://example.org/p> ?value FILTER(?value = 1) }" ] .
ex:Thing a rdfs:Class, sh:NodeShape ; sh:property [ sh:path ex:q ; sh:maxCount 0 ] .
"""


def test_a_shape_it_cannot_compile_goes_to_pyshacl_and_is_named(tmp_path: Path):
    """SHACL-SPARQL is beyond the compiler: that shape alone is validated by
    pySHACL, the report says so with the reason, and the results are those of
    pySHACL on all the shapes, each once; the sh:closed shape and the
    implicit class shape beside it stay fast."""
    (tmp_path / "d.ttl").write_text(
        '@prefix ex: <http://example.org/> .\nex:a a ex:Thing ; ex:p 1 ; ex:q 2 .\n', encoding="utf-8")
    shapes = tmp_path.parent / "sparql-and-closed.ttl"
    shapes.write_text(SPARQL_AND_CLOSED, encoding="utf-8")
    shapes_graph = shacl.ShapesGraph(shapes.read_bytes())
    compiled = shacl.compile_shapes(shapes_graph)
    assert [(f.shape, f.reason) for f in compiled.fallbacks] == [
        (ox.NamedNode("http://example.org/Sparql"), "sh:sparql is not supported by the fast validator")]
    assert sorted(c.component for c in compiled.constraints) == ["closed", "maxCount"]
    loaded = load_graph(tmp_path, ontology=False)
    fast_terms = check_shapes(loaded.store, shapes_graph, engine="fast")
    assert _results(fast_terms) == _results(check_shapes(loaded.store, shapes_graph, engine="pyshacl"))
    assert sum(_results(fast_terms).values()) == 3
    fast = validate(loaded, shapes_file=shapes, checks=False)
    reference = validate(loaded, shapes_file=shapes, checks=False, engine="pyshacl")
    note = "shape http://example.org/Sparql: validated by pySHACL because sh:sparql is not supported by the fast validator"
    assert fast.notes == (note,) and reference.notes == ()
    assert f"note: {note}\n" in fast.to_text()
    assert json.loads(fast.to_json())["notes"] == [note]
    assert _key(list(fast.violations), messages=False) == _key(list(reference.violations), messages=False)
    assert sorted((v.rule, v.path, v.value) for v in fast.violations) == [
        ("http://example.org/Closed", "http://example.org/q", "2"),
        ("http://example.org/Sparql", None, "1"),
        ("http://example.org/Thing", "http://example.org/q", None),
    ]


def test_engines_give_the_same_report_on_a_broken_copy(data_copy: Path):
    claim = data_copy / "claims" / "aigovkg" / "synthetic-content.ttl"
    text = claim.read_text(encoding="utf-8")
    broken = text.replace("aigov:citation", "aigov:citatio", 3).replace("aigov:Verified", "aigov:Unsure", 1)
    assert broken != text
    claim.write_text(broken, encoding="utf-8")
    loaded = load_graph(data_copy)
    fast = validate(loaded, engine="fast")
    reference = validate(loaded, engine="pyshacl")
    assert not fast.conforms
    assert fast.to_text() == reference.to_text()


def test_unknown_engine_is_refused(kg):
    with pytest.raises(ValueError, match="unknown validation engine"):
        run_shapes(kg.loaded, engine="rudof")


def _screens_hold(loaded: LoadedGraph, shapes: Path) -> tuple[int, int]:
    """Every screen is a necessary condition: true wherever its constraint
    finds a violation. Returns (constraints with violations and a screen,
    screens that were false)."""
    graph = shacl.ShapesGraph(shapes.read_bytes(), base_iri=shapes.resolve().as_uri())
    screened = failing = 0
    for constraint in shacl.compile_shapes(graph, data=loaded.store).constraints:
        if constraint.screen is None:
            continue
        violated = any(True for _ in loaded.store.query(constraint.sparql))
        passed = bool(loaded.store.query(constraint.screen))
        assert passed or not violated, (constraint.shape, constraint.component, constraint.screen)
        screened += violated
        failing += not passed
    return screened, failing


def test_screens_are_necessary_conditions(tmp_path: Path, kg):
    """The screen of a constraint may skip it only where it has no violation:
    checked on the component file and every shape case (all with violations),
    and the screens do skip constraints on the valid shipped graph."""
    shutil.copy(COMPONENTS / "data.ttl", tmp_path / "data.ttl")
    screened, _ = _screens_hold(_raw(tmp_path), COMPONENTS / "shapes.ttl")
    for case in SHAPE_CASES:
        data = tmp_path / case.stem
        data.mkdir()
        shutil.copy(HERE / "shapes" / "base.ttl", data / "base.ttl")
        shutil.copy(case, data / case.name)
        screened += _screens_hold(load_graph(data), shacl_shapes())[0]
    assert screened >= 40, screened  # guard: the screens were tried where they had to pass
    _, skipped = _screens_hold(kg.loaded, shacl_shapes())
    assert skipped >= 200, skipped


def shacl_shapes() -> Path:
    from aigovkg import resources

    return resources.shapes_file()


def test_pyrudof_finds_the_same_violations_on_planted_data(tmp_path: Path):
    """pyrudof (rudof's Rust engine), a third SHACL implementation, finds the
    same focus nodes breaking the same constraint components as the fast
    engine, on a synthetic graph with planted violations of every kind."""
    import pyrudof

    from aigovkg import resources
    from aigovkg.synth import synthesize

    synthesize(tmp_path / "g", instruments=30, topics=6, violations=12)
    loaded = load_graph(tmp_path / "g")
    shapes = shacl.ShapesGraph(resources.shapes_file().read_bytes())
    ours = {(r.focus.value, f"http://www.w3.org/ns/shacl#{r.component[0].upper()}{r.component[1:]}ConstraintComponent")
            for r in shacl.run(loaded.store, shacl.compile_shapes(shapes, data=loaded.store).constraints)}
    rudof = pyrudof.Rudof(pyrudof.RudofConfig())
    for path in [resources.ontology_file(), *sorted((tmp_path / "g").rglob("*.ttl"))]:
        rudof.read_data(str(path), merge=True)
    rudof.read_shacl(str(resources.shapes_file()))
    theirs = {(entry.focus_node, entry.constraint_component) for entry in rudof.validate_shacl()}
    assert len(ours) >= 10
    assert theirs == ours
