"""Literals keep the lexical form and datatype the files wrote, although
Oxigraph's store keeps some in canonical form ("01"^^xsd:integer as "1",
xsd:int as xsd:integer): through loading, both validation engines and every
dump format."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

import aigovkg
from aigovkg.export import PARSE_FORMAT, ExportFormat
from aigovkg.loader import load_graph, parse_turtle
from aigovkg.validate import run_shapes

from . import _stores as st
from .conftest import run_cli
from .test_fast_shacl import _key

EX = "http://example.org/"
XSD = "http://www.w3.org/2001/XMLSchema#"
# Each a literal the store rewrites, but "1" (beside "01") and "2" (beside "02", on a blank node).
DATA = """@prefix ex: <http://example.org/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
ex:s ex:leading "01"^^xsd:integer , "1"^^xsd:integer ;
    ex:plus "+3"^^xsd:integer ;
    ex:bare 007 , +5 , 1.50 , 1e3 ;
    ex:int "5"^^xsd:int ;
    ex:count "7"^^xsd:nonNegativeInteger ;
    ex:flag "1"^^<http://www.w3.org/2001/XMLSchema#boolean> ;
    ex:amount "1.50"^^xsd:decimal ;
    ex:ratio "1E0"^^xsd:double ;
    ex:at "2024-06-13T24:00:00"^^xsd:dateTime , "2024-06-13T10:00:00.000+00:00"^^xsd:dateTime ;
    ex:span "PT24H"^^xsd:duration ;
    ex:part [ ex:number "02"^^xsd:integer , "2"^^xsd:integer ] ;
    ex:name "s" ;
    ex:on true .
"""
REWRITTEN = 15  # every literal above but "1" and "2"


def _literals(quads) -> list[tuple[str, str]]:
    return sorted((q.object.value, q.object.datatype.value) for q in quads
                  if isinstance(q.object, ox.Literal) and q.predicate.value.startswith(EX))


@pytest.fixture
def data(tmp_path: Path) -> Path:
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "literals.ttl").write_text(DATA, encoding="utf-8")
    return folder


def test_the_case_holds_what_it_says(data: Path):
    written = _literals(parse_turtle(data / "literals.ttl"))
    assert len(written) == REWRITTEN + 4  # and "1", "2", the name "s" and true
    loaded = load_graph(data, ontology=False)
    assert sum(len(group) for group in loaded.as_written.values()) == REWRITTEN + 2
    assert loaded.triples == len(parse_turtle(data / "literals.ttl")) > len(loaded.store)


@pytest.mark.reliability("Literals the store rewrites (`\"01\"^^xsd:integer`, `+3`, bare `007`, `1.50`, `1e3`, "
                         "`xsd:int`, `xsd:nonNegativeInteger`, `\"1\"^^xsd:boolean`, `\"1E0\"^^xsd:double`, "
                         "`T24:00:00`, `+00:00`, `PT24H`; `\"1\"` beside `\"01\"`) through `export` in every format",
                         "each dump reads back with every literal's lexical form and datatype as written, and "
                         "`\"1\"` beside `\"01\"` as two triples (they came back as `\"1\"^^xsd:integer`, one triple)")
def test_every_dump_keeps_each_literal_as_written(data: Path, tmp_path: Path):
    written = _literals(parse_turtle(data / "literals.ttl"))
    assert len(ExportFormat) == 6
    for fmt in ExportFormat:
        out = tmp_path / f"dump.{fmt.value}"
        result = run_cli("export", "--format", fmt.value, "--data", str(data), "--out", str(out))
        assert result.returncode == 0, (fmt, result.stderr)
        assert _literals(ox.parse(out.read_bytes(), format=PARSE_FORMAT[fmt])) == written, fmt


SHAPES = """@prefix ex: <http://example.org/> .
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
ex:CountShape a sh:NodeShape ; sh:targetSubjectsOf ex:count ;
    sh:property [ sh:path ex:count ; sh:datatype xsd:nonNegativeInteger ; sh:maxCount 1 ] ;
    sh:property [ sh:path ex:int ; sh:datatype xsd:int ] ;
    sh:property [ sh:path ex:plus ; sh:pattern "^[+]" ] ;
    sh:property [ sh:path ex:leading ; sh:maxCount 1 ] .
ex:PartShape a sh:NodeShape ; sh:targetObjectsOf ex:part ;
    sh:property [ sh:path ex:number ; sh:maxCount 1 ; sh:datatype xsd:integer ] .
ex:Unrelated a sh:NodeShape ; sh:targetSubjectsOf ex:name ;
    sh:property [ sh:path ex:missing ; sh:minCount 1 ] .
"""
# A shape whose own literal the store would rewrite: the fast engine cannot compare it as written.
FLAG_SHAPE = """@prefix ex: <http://example.org/> .
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
ex:FlagShape a sh:NodeShape ; sh:targetSubjectsOf ex:flag ;
    sh:property [ sh:path ex:flag ; sh:in ( "1"^^xsd:boolean ) ; sh:datatype xsd:boolean ] .
ex:OnShape a sh:NodeShape ; sh:targetSubjectsOf ex:name ;
    sh:property [ sh:path ex:on ; sh:in ( "1"^^xsd:boolean ) ] .
"""


@pytest.mark.reliability("A shape with `sh:datatype xsd:nonNegativeInteger` (and `xsd:int`, a `sh:pattern` on the "
                         "lexical form, `sh:in (\"1\"^^xsd:boolean)`, `sh:maxCount 1` over `\"1\"` and `\"01\"`) "
                         "on data holding such literals, with both engines",
                         "the same results from both: no false violation of the datatype, pattern or list; the two "
                         "values `\"1\"` and `\"01\"` break `sh:maxCount 1` (both engines saw one value, and "
                         "reported the datatypes as broken); the fast engine leaves the shapes that read them, or "
                         "hold `\"1\"^^xsd:boolean` in `sh:in`, to pySHACL, with a note each giving the reason")
def test_both_engines_validate_the_literals_as_written(data: Path, tmp_path: Path):
    shapes = tmp_path / "shapes.ttl"
    shapes.write_text(SHAPES, encoding="utf-8")
    loaded = load_graph(data, ontology=False)
    fast_run = run_shapes(loaded, shapes_file=shapes, engine="fast")
    fast, reference = fast_run.violations, run_shapes(loaded, shapes_file=shapes, engine="pyshacl").violations
    assert _key(fast, messages=False) == _key(reference, messages=False)
    # The shapes that read a rewritten literal are left to pySHACL, each said with its reason.
    assert fast_run.notes == (
        f"shape {EX}CountShape: validated by pySHACL because it reads <{EX}count>, on which the store keeps a "
        "literal in another form than written (\"7\"^^xsd:nonNegativeInteger as \"7\"^^xsd:integer)",
        f"shape {EX}PartShape: validated by pySHACL because it reads <{EX}number>, on which the store keeps a "
        "literal in another form than written (\"02\"^^xsd:integer as \"2\"^^xsd:integer)",
    )
    assert sorted((v.rule, v.path) for v in fast) == [
        (EX + "CountShape", EX + "leading"),
        (EX + "PartShape", EX + "number"),
        (EX + "Unrelated", EX + "missing"),
    ]
    # A shape that reads no rewritten literal still runs on the fast engine (its own default message).
    assert [v.message for v in fast if v.rule == EX + "Unrelated"] == ["sh:minCount not satisfied"]
    shapes.write_text(FLAG_SHAPE, encoding="utf-8")
    for engine in ("fast", "pyshacl"):  # "true" is not "1": a different literal of the same value
        found = run_shapes(loaded, shapes_file=shapes, engine=engine)
        assert [(v.path, v.value) for v in found.violations] == [(EX + "on", "true")], engine
        # The fast engine leaves both shapes to pySHACL: SPARQL on the store would read "1" as "true".
        assert [note.split(" because ")[0] for note in found.notes] == (
            [f"shape {EX}FlagShape: validated by pySHACL", f"shape {EX}OnShape: validated by pySHACL"]
            if engine == "fast" else []), engine
        assert all("sh:in holds \"1\"^^<http://www.w3.org/2001/XMLSchema#boolean>" in note for note in found.notes)


def test_validate_says_what_it_did_about_them(data: Path):
    for extra in ([], ["--on-disk"], ["--engine", "pyshacl"]):
        result = run_cli("validate", "--data", str(data), *extra)
        assert result.returncode == 0, result.stdout + result.stderr
        lines = result.stdout.splitlines()
        assert lines[0].startswith(f"note: {REWRITTEN} literal(s) are kept by the store in another form than written")
        assert lines[1].startswith("valid: 2 files, ")


@pytest.mark.server
def test_push_sends_them_as_written(data: Path, tmp_path: Path):
    # Oxigraph's server keeps "1" beside "01" as one triple too: the push, which
    # checks that the store holds what was sent, accepts that and no fewer.
    loaded = load_graph(data)
    assert loaded.triples > len(loaded.store)
    with st.oxigraph(tmp_path / "oxigraph") as port:
        endpoint = f"http://127.0.0.1:{port}/query"
        pushed = run_cli("push", "--endpoint", endpoint, "--data", str(data))
        assert pushed.returncode == 0, pushed.stderr
        assert pushed.stdout.startswith(f"pushed {loaded.triples} triples to the default graph")
        remote = aigovkg.load(endpoint=endpoint)
        assert remote.sparql_results("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }").records() == [
            {"n": len(loaded.store)}]
