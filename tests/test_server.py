"""The same named queries give the same answers embedded and against a real
Oxigraph server that the test starts on 127.0.0.1 and fills with
`aigovkg push`; `aigovkg serve` starts, answers and stops cleanly."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

import aigovkg
from aigovkg import queries
from aigovkg.server import oxigraph_binary, wait_for_port

from .conftest import run_cli

pytestmark = pytest.mark.server

SAMPLE = {"topic": "international-coordination", "instrument": "eu-ai-act", "jurisdiction": "us",
          "source": "policy-window", "date": "2023-07-21", "string": "policy-window", "role": "deployer"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def oxigraph_server(tmp_path_factory):
    """A real read-write Oxigraph server on 127.0.0.1, filled by `aigovkg push`."""
    port = free_port()
    location = tmp_path_factory.mktemp("oxigraph")
    process = subprocess.Popen([oxigraph_binary(), "serve", "--location", str(location),
                                "--bind", f"127.0.0.1:{port}"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for_port("127.0.0.1", port, process=process)
        endpoint = f"http://127.0.0.1:{port}/query"
        pushed = run_cli("push", "--endpoint", endpoint)
        assert pushed.returncode == 0, pushed.stderr
        assert "pushed" in pushed.stdout and "(HTTP 20" in pushed.stdout
        yield endpoint
    finally:
        process.terminate()
        process.wait(10)


NAMED = sorted(queries.named_queries().values(), key=lambda q: q.name)


def _param_sets(named) -> list[dict[str, str]]:
    required = {p.name: SAMPLE[p.type] for p in named.params if not p.optional}
    sets = [required]
    if any(p.name == "source" for p in named.params):
        sets.append({**required, "source": "policy-window"})
    return sets


def _rows(table) -> list[tuple[str, ...]]:
    return [tuple("" if t is None else str(t) for t in row) for row in table.rows]


def test_every_named_query_gives_the_same_rows_embedded_and_remote(kg, oxigraph_server):
    remote = aigovkg.load(endpoint=oxigraph_server)
    compared = 0
    for named in NAMED:
        for params in _param_sets(named):
            local = kg.results(named.name, **params)
            far = remote.results(named.name, **params)
            assert far.columns == local.columns, named.name
            ordered = "ORDER BY" in named.text.upper()
            a, b = _rows(local), _rows(far)
            assert (a if ordered else sorted(a)) == (b if ordered else sorted(b)), (named.name, params)
            compared += 1
    assert len(NAMED) == 47
    assert compared == 64  # every query, and again with source=policy-window where it takes one


def test_dataframes_from_the_endpoint(oxigraph_server):
    remote = aigovkg.load(endpoint=oxigraph_server)
    frame = remote.query("topic-coverage", topic="international-coordination", source="policy-window")
    assert len(frame) == 26 and frame["dateAdopted"].notna().sum() == 23


def test_cli_query_against_the_endpoint(oxigraph_server):
    result = run_cli("query", "topic-coverage-summary", "-p", "topic=international-coordination",
                     "-p", "source=policy-window", "--endpoint", oxigraph_server, "--format", "csv")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[1] == "https://w3id.org/aigovkg/id/topic/international-coordination,26,7,5,14,0,0"


def test_ad_hoc_and_construct_against_the_endpoint(oxigraph_server):
    remote = aigovkg.load(endpoint=oxigraph_server)
    count = remote.sparql_results("SELECT (COUNT(*) AS ?n) WHERE { ?s a aigov:Instrument }")
    assert count.records() == [{"n": 33}]
    assert remote.sparql_results("ASK { topic:international-coordination a aigov:Topic }") is True
    triples = remote.sparql_results("CONSTRUCT { ?t skos:prefLabel ?l } WHERE { ?t a aigov:Topic ; skos:prefLabel ?l }")
    assert len(triples) == 23


def test_push_replaces_rather_than_appends(oxigraph_server, kg):
    remote = aigovkg.load(endpoint=oxigraph_server)
    before = remote.sparql_results("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }").records()[0]["n"]
    again = run_cli("push", "--endpoint", oxigraph_server)
    assert again.returncode == 0, again.stderr
    after = remote.sparql_results("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }").records()[0]["n"]
    assert before == after == kg.loaded.triples


def test_push_into_a_named_graph(oxigraph_server, kg):
    graph = "https://example.org/graphs/aigovkg"
    pushed = run_cli("push", "--endpoint", oxigraph_server, "--graph", graph)
    assert pushed.returncode == 0, pushed.stderr
    remote = aigovkg.load(endpoint=oxigraph_server)
    n = remote.sparql_results(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")
    assert n.records()[0]["n"] == kg.loaded.triples
    bad = run_cli("push", "--endpoint", oxigraph_server, "--graph", "not an iri")
    assert bad.returncode == 2 and "not an absolute IRI" in bad.stderr


def test_serve_starts_answers_and_stops_on_ctrl_c():
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "aigovkg", "serve", "--port", str(port)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               start_new_session=True)
    try:
        line = process.stdout.readline()
        assert line.startswith(f"SPARQL endpoint: http://127.0.0.1:{port}/query"), line + process.stderr.read()
        remote = aigovkg.load(endpoint=f"http://127.0.0.1:{port}/query")
        assert len(remote.results("topics")) == 23
        os.killpg(process.pid, signal.SIGINT)
        assert process.wait(20) == 0
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
    time.sleep(0.2)
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", port)) != 0, "the Oxigraph server outlived aigovkg serve"


def test_serve_binds_to_loopback_by_default():
    from click.testing import CliRunner

    from aigovkg.cli import cli

    help_text = CliRunner().invoke(cli, ["serve", "--help"]).output
    assert "127.0.0.1" in help_text


def test_binary_is_installed():
    assert Path(oxigraph_binary()).exists()


@pytest.fixture(scope="module")
def served():
    """`aigovkg serve` on a free port of 127.0.0.1: the guard and the Oxigraph server behind it."""
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "aigovkg", "serve", "--port", str(port)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        line = process.stdout.readline()
        assert line.startswith("SPARQL endpoint:"), line + process.stderr.read()
        yield f"http://127.0.0.1:{port}/query"
    finally:
        os.killpg(process.pid, signal.SIGINT)
        process.wait(20)


def _ask(endpoint: str, text: str, how: str = "form") -> tuple[int, str]:
    """Send a query as a client would (form POST, direct POST or GET); the status and body."""
    import urllib.error
    import urllib.parse
    import urllib.request

    headers = {"Accept": "application/sparql-results+json"}
    if how == "get":
        request = urllib.request.Request(f"{endpoint}?{urllib.parse.urlencode({'query': text})}", headers=headers)
    elif how == "direct":
        request = urllib.request.Request(endpoint, data=text.encode(), method="POST",
                                         headers={**headers, "Content-Type": "application/sparql-query"})
    else:
        request = urllib.request.Request(endpoint, data=urllib.parse.urlencode({"query": text}).encode(),
                                         method="POST", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=60) as answer:
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


@pytest.mark.reliability("SERVICE (also hidden from a text guard), FROM, LOAD and updates, 24,000 nested `[ ]` and "
                         "9,000 `||` (which crash the embedded engine) sent to `aigovkg serve` by GET, form POST "
                         "and direct POST", "HTTP 400 with the guard's reason (414 for a GET too long to read); a listener on 127.0.0.1 sees no "
                         "connection and the server answers the next query")
def test_serve_refuses_what_the_guard_refuses(served):
    from .test_hostile_queries import BYPASSES
    from .test_queries import REFUSED

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(5)
    listener.settimeout(0.5)
    port = listener.getsockname()[1]
    texts = [t.replace("PORT", str(port)) for t in REFUSED + [c[1] for c in BYPASSES]]
    texts += ["SELECT * WHERE { ?s ?p " + "[" * 24_000 + "]" * 24_000 + " }",
              "SELECT * WHERE { FILTER(" + "true || " * 9_000 + "true) }"]
    try:
        for text in texts:
            for how in ("form", "get", "direct"):
                status, body = _ask(served, text, how)
                if how == "get" and len(text) > 20_000:
                    assert status == 414, body[:200]  # the request line is too long to be read at all
                    continue
                assert status == 400 and "query refused" in body, (how, text[:80], status, body[:200])
        with pytest.raises(socket.timeout):
            listener.accept()
    finally:
        listener.close()
    assert _ask(served, "ASK { ?s ?p ?o }") == (200, '{"head":{},"boolean":true}')


def test_serve_answers_queries_at_the_guards_limits(served):
    """The limits sit below what crashes the server: the deepest and longest
    queries the guard lets through are answered."""
    from aigovkg.sparql import MAX_NESTING, MAX_OPERATORS

    deep = "SELECT * WHERE " + "{" * MAX_NESTING + " ?s a aigov:Topic " + "}" * MAX_NESTING
    status, body = _ask(served, "PREFIX aigov: <https://w3id.org/aigovkg/ontology#> " + deep)
    assert status == 200 and body.count('"s":') == 23, body[:200]
    chain = "ASK { FILTER(" + "false || " * (MAX_OPERATORS - 2) + "true) }"
    assert _ask(served, chain) == (200, '{"head":{},"boolean":true}')
    status, _ = _ask(served, "ASK { FILTER(" + "false || " * MAX_OPERATORS + "true) }")
    assert status == 400


def test_serve_is_read_only_at_every_door(served):
    import urllib.request

    base = served.rsplit("/", 1)[0]
    for path, method in (("/update", "POST"), ("/store", "PUT"), ("/store", "DELETE"), ("/query", "PUT")):
        request = urllib.request.Request(base + path, data=b"update=CLEAR%20ALL", method=method,
                                         headers={"Content-Type": "application/x-www-form-urlencoded"})
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=30)
        assert refused.value.code in (403, 405)
    status, page = _ask(base + "/", "", "get")
    assert status == 200 and "<html" in page.lower()
    assert _ask(served, "ASK { ?s ?p ?o }") == (200, '{"head":{},"boolean":true}')


@pytest.mark.reliability("`aigovkg serve` on a port another program already listens on",
                         "exit 2 with one line naming the address; no endpoint is announced")
def test_serve_on_a_port_in_use_says_so_and_announces_nothing():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        result = run_cli("serve", "--port", str(port))
    assert result.returncode == 2, result.stderr
    assert result.stderr.strip() == (f"aigovkg: error: 127.0.0.1:{port} is already in use by another program; "
                                     "choose another port with --port")
    assert "SPARQL endpoint" not in result.stdout
