"""Hostile queries: injection through every parameter of every named query,
refused network access proven by listeners that see no connection (embedded
and remote, API and CLI), and pathological queries refused by the guard or
stopped by the time and memory limits of the worker, with the caller unharmed."""

from __future__ import annotations

import contextlib
import threading
import time
from pathlib import Path

import pyoxigraph as ox
import pytest

import aigovkg
from aigovkg import queries
from aigovkg.api import KnowledgeGraph
from aigovkg.errors import InputError, QueryError
from aigovkg.sparql import MAX_NESTING, MAX_OPERATORS, MAX_QUERY_CHARS, bind, check_read_only
from aigovkg.store import EmbeddedEngine, network_fence

from .conftest import run_cli
from .test_queries import NAMED, REFUSED, SAMPLE, listener  # noqa: F401  (listener is a fixture)

PAYLOADS = ['"', "\\u0022", "'''", "}", "{", "#", "\n", "> .", "<http://x> } ; DROP ALL ; {"]


class CountingEngine(EmbeddedEngine):
    """The real embedded engine, counting the queries that reach it."""

    def __init__(self, store: ox.Store) -> None:
        super().__init__(store)
        self.calls = 0

    def select(self, text: str):
        self.calls += 1
        return super().select(text)


def _variants(sample: str) -> list[str]:
    return [v for p in PAYLOADS for v in (p, sample + p)]


@pytest.mark.reliability("Injection through every parameter of every named query: `\"`, `\\u0022`, `'''`, `}`, "
                         "`{`, `#`, newline, `> .`, `<http://x> } ; DROP ALL ; {`, alone and after a valid value",
                         "refused as an input error before any query reaches the engine")
def test_injection_through_every_parameter_of_every_named_query(kg):
    engine = CountingEngine(kg.loaded.store)
    counting = KnowledgeGraph(engine, kg.loaded)
    tried = 0
    for named in NAMED:
        base = {p.name: SAMPLE[p.type] for p in named.params if not p.optional}
        harmless = counting.results(named.name, **base) if named.form == "SELECT" else None
        for param in named.params:
            for value in _variants(SAMPLE[param.type]):
                tried += 1
                before = engine.calls
                try:
                    terms = named.bindings({**base, param.name: value})
                except InputError:
                    assert engine.calls == before
                    continue
                # A value that binds must stay inert: the same shape as a harmless value.
                text = bind(named.text, terms)
                assert harmless is not None and engine.select(text).columns == harmless.columns, (named.name, value)
    params = sum(len(q.params) for q in NAMED)
    assert params == 63
    assert tried == params * len(PAYLOADS) * 2 == 1134


RQ = """# A test query over string and IRI values.
#
# @param label string?   a label
# @param target iri?     an IRI
SELECT ?x WHERE { ?x <http://e/label> ?label . ?x <http://e/target> ?target }
"""


@pytest.mark.reliability("The same payloads through `string` and `iri` parameters (none of the shipped queries "
                         "has one)", "strings bind as one inert literal that matches only itself; IRIs with "
                         "`\"`, `\\`, `{`, `}`, `>`, space or newline are refused, the rest bind as one IRI")
def test_string_and_iri_parameters_bind_as_inert_values(tmp_path: Path):
    path = tmp_path / "probe.rq"
    path.write_text(RQ, encoding="utf-8")
    named = queries.parse_query_file(path)
    store = ox.Store()
    for i, payload in enumerate(PAYLOADS):
        subject = ox.NamedNode(f"http://e/s{i}")
        store.add(ox.Quad(subject, ox.NamedNode("http://e/label"), ox.Literal(payload)))
        store.add(ox.Quad(subject, ox.NamedNode("http://e/target"), ox.NamedNode("http://e/t")))
    engine = EmbeddedEngine(store)
    bound = refused = 0
    for i, payload in enumerate(PAYLOADS):
        rows = engine.select(bind(named.text, named.bindings({"label": payload, "target": "http://e/t"})))
        assert [str(r["x"]) for r in rows.records()] == [f"http://e/s{i}"], payload
        bound += 1
        try:
            terms = named.bindings({"target": "http://e/t" + payload})
        except InputError:
            refused += 1
            assert any(c in payload for c in '"{}> \n\\')
            continue
        assert terms["target"] == ox.NamedNode("http://e/t" + payload)
        assert engine.select(bind(named.text, terms)).records() == []  # a different IRI: nothing matches
    assert (bound, refused) == (9, 7)


@pytest.mark.reliability("SERVICE (constant and variable IRI), FROM, FROM NAMED, LOAD and updates sent to a remote "
                         "endpoint (API and `aigovkg sparql --endpoint`)",
                         "refused before any request: the endpoint, a listener on 127.0.0.1, sees no connection")
@pytest.mark.parametrize("template", REFUSED)
def test_unsafe_queries_to_a_remote_endpoint_never_reach_it(listener, template):  # noqa: F811
    port, seen = listener
    endpoint = f"http://127.0.0.1:{port}/sparql"
    text = template.replace("PORT", str(port))
    with pytest.raises(QueryError, match="refused"):
        aigovkg.load(endpoint=endpoint, retries=0).sparql_results(text)
    result = run_cli("sparql", "-", "--endpoint", endpoint, stdin=text)
    assert result.returncode == 2 and "refused" in result.stderr and "Traceback" not in result.stderr
    time.sleep(0.3)  # let the listener accept anything in flight
    assert seen == []


def test_remote_refused_count():
    assert len(REFUSED) == 10


def test_the_listener_does_see_a_real_request(listener):  # noqa: F811
    """The proof above means something: an allowed query does reach the listener."""
    port, seen = listener
    with pytest.raises(QueryError):
        aigovkg.load(endpoint=f"http://127.0.0.1:{port}/sparql", retries=0, timeout=2).sparql_results(
            "ASK { ?s ?p ?o }")
    time.sleep(0.3)
    assert len(seen) >= 1


# Queries the first guard (a regular expression blanking strings, IRIs and
# comments) read differently from SPARQL's grammar: an escaped `#` or `'` in a
# prefixed name, or an IRI holding U+00A0, U+2028 or U+3000 (which `\s`
# matches), made it blank the SERVICE clause that followed, and the engine
# then called out.
BYPASSES = [
    ("escaped # in a prefixed name",
     "PREFIX ex: <http://e/> SELECT * WHERE { ?s ?p ex:x\\# . SERVICE <http://127.0.0.1:PORT/> { ?a ?b ?c } }"),
    ("escaped ' in a prefixed name",
     "PREFIX aigov: <http://e/> SELECT * WHERE { ?s ?p aigov:x\\' . SERVICE <http://127.0.0.1:PORT/> "
     "{ ?a ?b ?c } FILTER(?a != 'x') }"),
    ("U+00A0 then # in an IRI",
     "SELECT * WHERE { ?s ?p <http://e/a\u00a0#x> . SERVICE <http://127.0.0.1:PORT/> { ?a ?b ?c } }"),
    ("U+2028 then ' in an IRI",
     "SELECT * WHERE { ?s ?p <http://e/a\u2028'x> . SERVICE <http://127.0.0.1:PORT/> { ?a ?b ?c } "
     "FILTER(?a != 'y') }"),
    ("U+3000 then # in an IRI",
     "SELECT * WHERE { ?s ?p <http://e/a\u3000#x> . SERVICE <http://127.0.0.1:PORT/> { ?a ?b ?c } }"),
]


def _engine_alone_calls_out(text: str, seen: list[object]) -> bool:
    """The engine, with no guard and no fence, on this text: does it connect?"""
    store = ox.Store()
    for iri in ("http://e/x#", "http://e/x'", "http://e/a\u00a0#x", "http://e/a\u2028'x", "http://e/a\u3000#x"):
        store.add(ox.Quad(ox.NamedNode("http://e/s"), ox.NamedNode("http://e/p"), ox.NamedNode(iri)))
    with contextlib.suppress(OSError, SyntaxError):
        list(store.query(text))
    time.sleep(0.3)
    return len(seen) > 0


@pytest.mark.reliability("SERVICE hidden behind an escaped `#` or `'` in a prefixed name, or behind an IRI holding "
                         "U+00A0, U+2028 or U+3000 followed by `#` or `'` (API, CLI, `--endpoint`)",
                         "refused by the guard, which reads the query with SPARQL's own terminals; a listener on "
                         "127.0.0.1 sees no connection (the same text does reach it from the bare engine)")
@pytest.mark.parametrize("case", BYPASSES, ids=[c[0] for c in BYPASSES])
def test_service_hidden_from_a_text_guard_is_still_refused(kg, listener, case):  # noqa: F811
    port, seen = listener
    text = case[1].replace("PORT", str(port))
    with pytest.raises(QueryError, match="query refused: SERVICE"):
        kg.sparql_results(text)
    with pytest.raises(QueryError, match="query refused: SERVICE"):
        aigovkg.load(endpoint=f"http://127.0.0.1:{port}/sparql", retries=0).sparql_results(text)
    result = run_cli("sparql", "-", stdin=text)
    assert result.returncode == 2 and "query refused: SERVICE" in result.stderr
    time.sleep(0.3)
    assert seen == []
    assert _engine_alone_calls_out(text, seen), "the case no longer reaches the engine's SERVICE: it proves nothing"


def test_names_that_merely_hold_keywords_are_names_to_the_engine_too(kg, listener):  # noqa: F811
    port, seen = listener
    text = (f"PREFIX schema: <http://127.0.0.1:{port}/> PREFIX ex: <http://e/> "
            "SELECT ?s WHERE { ?s a schema:Service ; ex:delete ex:SERVICE ; ex:from ?load }")
    assert check_read_only(text) == "SELECT"
    assert kg.sparql_results(text).records() == []
    assert not _engine_alone_calls_out(text, seen)


@pytest.mark.reliability("A query that slipped past the guard asks SERVICE of a listener on 127.0.0.1, run "
                         "straight in the embedded engine's worker (the guard bypassed on purpose)",
                         "the worker has no network (its own network namespace): `Network is unreachable`, and "
                         "the listener sees no connection")
def test_the_query_worker_has_no_network(kg, listener):  # noqa: F811
    port, seen = listener
    assert network_fence()
    with pytest.raises(QueryError, match="Network is unreachable"):
        kg.engine.run_isolated(f"SELECT * WHERE {{ SERVICE <http://127.0.0.1:{port}/> {{ ?s ?p ?o }} }}",
                               timeout=20)
    time.sleep(0.3)
    assert seen == []


NESTED = [
    ("10,000 nested groups", "SELECT * WHERE " + "{" * 10_000 + " ?s ?p ?o " + "}" * 10_000),
    ("24,000 nested [ ]", "SELECT * WHERE { ?s ?p " + "[" * 24_000 + "]" * 24_000 + " }"),
    ("9,000 || in a row", "SELECT * WHERE { FILTER(" + "true || " * 9_000 + "true) }"),
    ("10,000 nested brackets", "SELECT * WHERE { ?s ?p ?o FILTER(" + "(" * 10_000 + "true" + ")" * 10_000 + ") }"),
    ("groups spelled \\u007B", "SELECT * WHERE " + "\\u007B" * 10_000 + " ?s ?p ?o " + "\\u007D" * 10_000),
    ("5 MB of query text", "SELECT * WHERE { ?s ?p ?o } #" + "x" * 5_000_000),
    ("5 MB of triple patterns", "SELECT * WHERE { " + "?s ?p ?o . " * 500_000 + "}"),
]


@pytest.mark.reliability("Pathological query text: 10,000 nested groups or brackets (also spelled `\\u007B`), "
                         "24,000 nested `[ ]`, 9,000 `||` in a row (each crashes the engine's parser), 5 MB of text",
                         "refused by the guard before anything runs (API and CLI, exit 2)")
@pytest.mark.parametrize("case", NESTED, ids=[c[0] for c in NESTED])
def test_pathological_query_text_is_refused(kg, case):
    _name, text = case
    with pytest.raises(QueryError, match=r"query refused: (nested deeper|longer than|more than 1,000 operators)"):
        kg.sparql_results(text)
    result = run_cli("sparql", "-", "--data", "/nonexistent/never-loaded", stdin=text)
    assert result.returncode == 2 and "query refused" in result.stderr
    assert "no such data folder" not in result.stderr  # refused before loading anything
    assert kg.sparql_results("ASK { ?s ?p ?o }") is True


def test_nesting_and_length_limits():
    assert len(NESTED) == 7
    assert (MAX_NESTING, MAX_OPERATORS, MAX_QUERY_CHARS) == (64, 1_000, 100_000)
    assert len(BYPASSES) == 5


MEMORY_HOG = ("SELECT (GROUP_CONCAT(CONCAT(STR(?a), STR(?d), STR(?g))) AS ?x) "
              "WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }")


def _peak_child_rss(stop: threading.Event, peak: list[int]) -> None:
    import multiprocessing

    while not stop.is_set():
        for child in multiprocessing.active_children():
            try:
                with open(f"/proc/{child.pid}/statm") as handle:
                    peak[0] = max(peak[0], int(handle.read().split()[1]) * 4096)
            except (OSError, ValueError):
                pass
        time.sleep(0.05)


@pytest.mark.reliability("A query that eats memory (GROUP_CONCAT over a cross product of the graph 3 times)",
                         "the worker is stopped at its memory limit; the caller gets a clear error and runs the "
                         "next query (worker peak memory read from /proc)")
def test_memory_hungry_query_is_stopped_and_the_caller_survives(kg):
    stop, peak = threading.Event(), [0]
    watcher = threading.Thread(target=_peak_child_rss, args=(stop, peak), daemon=True)
    watcher.start()
    try:
        with pytest.raises(QueryError, match="memory limit; nothing else was affected"):
            kg.engine.run_isolated(MEMORY_HOG, timeout=20, memory=256 * 2**20)
    finally:
        stop.set()
        watcher.join(2)
    assert peak[0] < 1 << 30
    assert kg.sparql_results("ASK { ?s ?p ?o }") is True


def test_from_may_name_a_graph_of_the_local_store_only(listener):  # noqa: F811
    port, seen = listener
    store = ox.Store()
    graph = ox.NamedNode("http://e/release-1")
    store.add(ox.Quad(ox.NamedNode("http://e/s"), ox.NamedNode("http://e/p"), ox.Literal("in the release"), graph))
    local = KnowledgeGraph(EmbeddedEngine(store))
    rows = local.sparql_results("SELECT ?o FROM <http://e/release-1> WHERE { ?s ?p ?o }")
    assert rows.records() == [{"o": "in the release"}]
    named = local.sparql_results("SELECT ?o FROM NAMED <http://e/release-1> WHERE { GRAPH ?g { ?s ?p ?o } }")
    assert named.records() == [{"o": "in the release"}]
    for text in (f"SELECT ?o FROM <http://127.0.0.1:{port}/g> WHERE {{ ?s ?p ?o }}",
                 f"SELECT ?o FROM <http://e/release-1> FROM NAMED <http://127.0.0.1:{port}/g> WHERE {{ ?s ?p ?o }}"):
        with pytest.raises(QueryError, match="query refused: FROM"):
            local.sparql_results(text)
    time.sleep(0.3)
    assert seen == []
