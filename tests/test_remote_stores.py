"""Remote stores, hardened (#21 item 4): credentials kept to their origin and
never printed, one deadline per call, a cap on the answer's size, a store's
row limit never taken for a complete answer, credentials from the environment
or netrc, a push that readers never see half-done, and the data layout on a
shared store. Each against real servers started on 127.0.0.1: small ones whose
behaviour the test sets (tests/_stores.py) and a real Oxigraph server."""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

import aigovkg
from aigovkg.errors import QueryError, UsageError

from . import _stores as st
from .conftest import run_cli

COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


@pytest.fixture
def started() -> Iterator[list]:
    servers: list = []
    yield servers
    for server in servers:
        st.stop(server)


def _serve(started: list, server):
    st.start(server)
    started.append(server)
    return server


def _env(**values: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIGOVKG_") and k != "NETRC"}
    return {**env, **values}


def _one_error_line(result, *absent: str) -> str:
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("aigovkg: error: "), lines
    for secret in absent:
        assert secret not in result.stderr + result.stdout
    return lines[0]


# ----------------------------------------------------------------- redirects


@pytest.mark.reliability("An HTTPS endpoint (self-signed certificate made by the test, same port also speaking HTTP) "
                         "with credentials that redirects to plain HTTP on the same host and port; an HTTP "
                         "endpoint that redirects to another port of 127.0.0.1 (API and CLI)",
                         "the first request carries the credentials; the redirect is followed without them")
def test_credentials_never_follow_a_redirect_that_changes_scheme_or_port(started, tmp_path, monkeypatch):
    if shutil.which("openssl") is None:
        pytest.skip("openssl is needed to make the test certificate")
    cert, context = st.self_signed(tmp_path)
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))
    dual = _serve(started, st.Endpoint("redirect-once", tls=context))
    dual.redirect_to = dual.url.replace("/sparql", "/plain")  # http://127.0.0.1:SAME-PORT/plain
    https = f"https://127.0.0.1:{dual.port}/sparql"
    kg = aigovkg.load(endpoint=https, user=st.USER, password=st.PASSWORD, retries=0)
    assert kg.results("topics").records() == [{"n": "1"}]
    assert [(h["tls"], h["path"], str(h["auth"])[:6]) for h in dual.hits] == [(True, "/sparql", "Basic "),
                                                                              (False, "/plain", "None")]
    other = _serve(started, st.Endpoint("good"))
    origin = _serve(started, st.Endpoint("redirect"))
    origin.redirect_to = other.url
    kg = aigovkg.load(endpoint=origin.url, user=st.USER, password=st.PASSWORD, retries=0)
    assert kg.results("topics").records() == [{"n": "1"}]
    assert str(origin.hits[0]["auth"]).startswith("Basic ") and [h["auth"] for h in other.hits] == [None]

    env = _env(AIGOVKG_USER=st.USER, AIGOVKG_PASSWORD=st.PASSWORD, SSL_CERT_FILE=str(cert))
    for start, followed in ((dual, dual), (origin, other)):
        start.hits.clear()
        followed.hits.clear()
        url = https if start is dual else origin.url
        result = run_cli("query", "topics", "--endpoint", url, "--format", "csv", env=env)
        assert result.returncode == 0 and result.stdout == "n\n1\n", result.stderr
        assert str(start.hits[0]["auth"]).startswith("Basic ") and followed.hits[-1]["auth"] is None


# ------------------------------------------------------------------ deadline

TRICKLES = ["trickle-body", "trickle-headers"]


@pytest.mark.reliability("Endpoints that trickle their answer, one byte every 0.5 s for 40 s, in the body or in the "
                         "headers, asked with a 2 s limit: `load(endpoint, timeout=2)`, `kg.results(..., timeout=2)`, "
                         "`kg.sparql_results(..., timeout=2)` and `aigovkg query --timeout 2`",
                         "each gives up with 'no complete answer within 2 s' naming the endpoint, well within 10 s "
                         "(15 s for the CLI, process start included); exit 2, one line")
@pytest.mark.parametrize("behaviour", TRICKLES)
def test_a_deadline_bounds_a_trickling_answer(started, behaviour):
    url = _serve(started, st.Endpoint(behaviour)).url
    calls = [
        lambda: aigovkg.load(endpoint=url, timeout=2).results("topics"),
        lambda: aigovkg.load(endpoint=url, timeout=60).results("topics", timeout=2),
        lambda: aigovkg.load(endpoint=url, timeout=60).sparql_results("ASK { ?s ?p ?o }", timeout=2),
    ]
    for call in calls:
        began = time.monotonic()
        with pytest.raises(QueryError, match=r"no complete answer within 2 s") as caught:
            call()
        assert time.monotonic() - began < 10 and str(caught.value).startswith(url + ": ")
    began = time.monotonic()
    result = run_cli("query", "topics", "--endpoint", url, "--timeout", "2")
    assert time.monotonic() - began < 15
    assert _one_error_line(result) == f"aigovkg: error: {url}: no complete answer within 2 s"


def test_trickle_case_count():
    assert len(TRICKLES) == 2


# ------------------------------------------------------------------ size cap


@pytest.mark.reliability("An answer of 2 MB (45,000 rows), with a Content-Length and streamed without one, "
                         "asked with `max_bytes=1_000_000` / `--max-bytes 1000000`",
                         "refused: 'answer larger than the limit of 1,000,000 bytes' naming the endpoint (exit 2, "
                         "one line); the default limit (100 MB) takes the same answer whole")
@pytest.mark.parametrize("behaviour", ["good", "stream"])
def test_answers_larger_than_the_cap_are_refused(started, behaviour):
    server = _serve(started, st.Endpoint(behaviour))
    server.answer = st.rows_json(45_000)
    assert len(server.answer) > 2_000_000
    assert len(aigovkg.load(endpoint=server.url).results("topics")) == 45_000
    with pytest.raises(QueryError, match="answer larger than the limit of 1,000,000 bytes") as caught:
        aigovkg.load(endpoint=server.url, max_bytes=1_000_000, retries=0).results("topics")
    assert str(caught.value).startswith(server.url + ": ")
    result = run_cli("query", "topics", "--endpoint", server.url, "--max-bytes", "1000000")
    assert "answer larger than the limit of 1,000,000 bytes" in _one_error_line(result)


# ------------------------------------------------------------------- secrets


@pytest.mark.reliability("A password in the endpoint URL (`http://alice:PASSWORD@127.0.0.1:PORT/sparql`) with an "
                         "endpoint that fails (500), one that is down, and one that times out; the same URL "
                         "on the command line (query and push)",
                         "the API uses the credentials but no error, `repr` of the error, the engine or the graph "
                         "shows the password (the URL is shown as `http://***@...`); the CLI refuses a password "
                         "in a URL in one line without showing it (exit 2)")
def test_secrets_are_never_printed(started):
    failing = _serve(started, st.Endpoint("fail"))
    slow = _serve(started, st.Endpoint("trickle-body"))
    down = f"http://127.0.0.1:{st.closed_port()}/sparql"
    for url in (failing.url, down, slow.url):
        secret_url = url.replace("http://", f"http://{st.USER}:{st.PASSWORD}@")
        kg = aigovkg.load(endpoint=secret_url, retries=0, timeout=1)
        with pytest.raises(QueryError) as caught:
            kg.results("topics")
        shown = " ".join([str(caught.value), repr(caught.value), repr(kg), repr(kg.engine),
                          repr(kg.engine.credentials), str(caught.traceback)])
        assert st.PASSWORD not in shown and url.replace("http://", "http://***@") not in shown, shown
        assert str(caught.value).startswith(url + ": ")
    assert str(failing.hits[0]["auth"]).startswith("Basic ")  # the URL's credentials were used, not dropped
    secret_url = failing.url.replace("http://", f"http://{st.USER}:{st.PASSWORD}@")
    for args in (("query", "topics", "--endpoint", secret_url),
                 ("push", "--endpoint", secret_url.replace("/sparql", "/query"))):
        line = _one_error_line(run_cli(*args), st.PASSWORD)
        assert "http://***@127.0.0.1:" in line and "AIGOVKG_PASSWORD" in line


# ------------------------------------------------------------------- row cap


@pytest.mark.reliability("A store that cuts its answers at a row limit (Virtuoso's default 10,000) and says so only "
                         "in an `X-SPARQL-MaxRows` header; one that stops a query early and sends partial results "
                         "(`X-SQL-State`); a CONSTRUCT cut without any signal (as Virtuoso does)",
                         "an error naming the endpoint and the limit, never the partial rows (API and CLI exit 2); "
                         "an answer under the announced limit is accepted")
def test_a_stores_row_limit_is_never_a_silent_partial_answer(started):
    server = _serve(started, st.Endpoint("rows-capped"))
    server.answer = st.rows_json(3)
    server.headers_out = {"X-SPARQL-MaxRows": "3"}
    kg = aigovkg.load(endpoint=server.url, retries=0)
    with pytest.raises(QueryError, match="incomplete answer: the store cuts answers at 3 rows") as caught:
        kg.results("topics")
    assert str(caught.value).startswith(server.url + ": ")
    line = _one_error_line(run_cli("query", "topics", "--endpoint", server.url))
    assert "incomplete answer" in line and "X-SPARQL-MaxRows" in line
    server.headers_out = {"X-SPARQL-MaxRows": "4"}
    assert len(kg.results("topics")) == 3
    server.headers_out = {"X-SQL-State": "S1TAT", "X-SQL-Message": "RC...: Returning incomplete results"}
    with pytest.raises(QueryError, match="stopped the query early and sent partial results"):
        kg.results("topics")
    with pytest.raises(QueryError, match=r"cuts answers at 2 rows .* and sent 3 triples"):
        kg.sparql_results("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }")


# --------------------------------------------------------------- credentials


@pytest.mark.reliability("Credentials for query from `AIGOVKG_USER`/`AIGOVKG_PASSWORD`, from a netrc file "
                         "(`NETRC`), with Basic and with Digest (`AIGOVKG_AUTH=digest`), against endpoints that "
                         "demand them; a wrong password",
                         "the rows come back; with Digest no request carries the password or a Basic header; a "
                         "wrong password is 'HTTP 401' in one line that does not show it (exit 2)")
def test_credentials_from_the_environment_or_netrc(started, tmp_path):
    basic = _serve(started, st.Endpoint("basic-only"))
    digest = _serve(started, st.Endpoint("digest-only"))
    netrc = tmp_path / "netrc"
    netrc.write_text(f"machine 127.0.0.1 login {st.USER} password {st.PASSWORD}\n")
    netrc.chmod(0o600)
    by_env = {"AIGOVKG_USER": st.USER, "AIGOVKG_PASSWORD": st.PASSWORD}
    cases = [(basic, _env(**by_env)), (basic, _env(NETRC=str(netrc))),
             (digest, _env(**by_env, AIGOVKG_AUTH="digest")), (digest, _env(NETRC=str(netrc), AIGOVKG_AUTH="digest"))]
    for server, env in cases:
        result = run_cli("query", "topics", "--endpoint", server.url, "--format", "csv", env=env)
        assert result.returncode == 0 and result.stdout == "n\n1\n", result.stderr
    assert digest.hits and all(not str(h["auth"]).startswith("Basic") and st.PASSWORD not in str(h["auth"])
                               for h in digest.hits)
    wrong = _env(AIGOVKG_USER=st.USER, AIGOVKG_PASSWORD="not-the-Pa55")
    for server in (basic, digest):
        line = _one_error_line(run_cli("query", "topics", "--endpoint", server.url, env=wrong), "not-the-Pa55")
        assert line.startswith(f"aigovkg: error: {server.url}: HTTP 401")
    unset = _one_error_line(run_cli("query", "topics", "--endpoint", basic.url, env=_env()))
    assert "HTTP 401" in unset
    with pytest.raises(UsageError, match="authentication scheme must be one of basic, digest"):
        aigovkg.load(endpoint=basic.url, auth="bearer")


# ---------------------------------------------------------------------- push


@pytest.fixture
def oxigraph_port(tmp_path: Path) -> Iterator[int]:
    with st.oxigraph(tmp_path / "oxigraph") as port:
        yield port


def _graphs(endpoint: str) -> list[str]:
    found = aigovkg.load(endpoint=endpoint).sparql_results("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")
    return sorted(str(r["g"]) for r in found.records())


@pytest.mark.server
@pytest.mark.reliability("`aigovkg push` to a real Oxigraph server behind a proxy that demands credentials, Basic "
                         "then Digest, given in `AIGOVKG_USER`/`AIGOVKG_PASSWORD` (`AIGOVKG_AUTH=digest`)",
                         "pushed (exit 0); queries through the proxy see the graph; no request carried the "
                         "password with Digest; without credentials the push fails with HTTP 401 (exit 2)")
def test_push_takes_credentials_from_the_environment(started, oxigraph_port, kg):
    for mode in ("basic", "digest"):
        proxy = _serve(started, st.Proxy(oxigraph_port, mode))
        endpoint = proxy.url("/query")
        env = _env(AIGOVKG_USER=st.USER, AIGOVKG_PASSWORD=st.PASSWORD, AIGOVKG_AUTH=mode)
        assert "HTTP 401" in _one_error_line(run_cli("push", "--endpoint", endpoint, env=_env()))
        pushed = run_cli("push", "--endpoint", endpoint, env=env)
        assert pushed.returncode == 0, pushed.stderr
        remote = aigovkg.load(endpoint=endpoint, user=st.USER, password=st.PASSWORD, auth=mode)
        assert remote.sparql_results(COUNT).records() == [{"n": kg.loaded.triples}]
    assert all(st.PASSWORD not in str(auth) and not str(auth).startswith("Basic")
               for _method, _path, auth in proxy.seen)


@pytest.mark.reliability("`aigovkg push` to a store that refuses the upload with HTTP 500 and its own error page "
                         "(Virtuoso's words when a Graph Store endpoint has no default graph)",
                         "exit 2, one line with the store's own message, not a bare 'HTTP 500'")
def test_a_refused_push_shows_the_stores_own_message(started):
    server = _serve(started, st.Endpoint("store-error"))
    store = server.url.replace("/sparql", "/store")
    line = _one_error_line(run_cli("push", "--endpoint", server.url, "--store", store))
    assert line == (f"aigovkg: error: {store}: push refused: HTTP 500: HTTP/1.1 500 Request Failed Error 22023 The "
                    'request to SPARQL 1.1 Graph Store endpoint contains "default" param but the endpoint is not '
                    "configured to have default graph; the remote graph is unchanged")


@pytest.mark.server
@pytest.mark.reliability("`aigovkg push` to a real Oxigraph server through a proxy that passes on only half of the "
                         "upload and answers 201, then through one that refuses the update that swaps it in, with an error",
                         "exit 2 ('the store holds N of the M triples uploaded' / the store's message); the graph "
                         "that readers query is as it was and no staging graph is left behind")
def test_push_never_leaves_readers_a_half_done_graph(started, oxigraph_port, kg, data_copy):
    endpoint = f"http://127.0.0.1:{oxigraph_port}/query"
    assert run_cli("push", "--endpoint", endpoint).returncode == 0
    remote = aigovkg.load(endpoint=endpoint)
    path = data_copy / "instruments" / "eu-ai-act.ttl"
    path.write_text(path.read_text().replace('rdfs:label "EU AI Act"@en', 'rdfs:label "Changed"@en', 1))
    ask = 'ASK {{ inst:eu-ai-act rdfs:label "{}"@en }}'
    for mode, message in (("halve-put", f"of the {kg.loaded.triples} triples uploaded; the remote graph is unchanged"),
                          ("refuse-swap", "HTTP 500: Virtuoso 42000 Error SR325: Transaction aborted")):
        proxy = _serve(started, st.Proxy(oxigraph_port, mode))
        failed = run_cli("push", "--endpoint", proxy.url("/query"), "--data", str(data_copy))
        assert message in _one_error_line(failed)
        assert remote.sparql_results(COUNT).records() == [{"n": kg.loaded.triples}]
        assert remote.sparql_results(ask.format("EU AI Act")) is True
        assert remote.sparql_results(ask.format("Changed")) is False
        assert _graphs(endpoint) == []
    assert run_cli("push", "--endpoint", endpoint, "--data", str(data_copy)).returncode == 0
    assert remote.sparql_results(ask.format("Changed")) is True and _graphs(endpoint) == []


# --------------------------------------------------------------- data layout


@pytest.mark.server
@pytest.mark.reliability("The graph pushed into a named graph of a real Oxigraph server (`push --graph IRI`), then "
                         "queried without and with `--graph IRI` / `default_graph=IRI` (sent as default-graph-uri)",
                         "without it the named queries read the empty default graph (0 topics); with it they give "
                         "the embedded graph's rows; the store holds that one graph, no staging graph")
def test_queries_read_a_named_graph_given_as_the_default_graph(oxigraph_port, kg):
    endpoint = f"http://127.0.0.1:{oxigraph_port}/query"
    graph = "https://example.org/graphs/aigovkg"
    pushed = run_cli("push", "--endpoint", endpoint, "--graph", graph)
    assert pushed.returncode == 0, pushed.stderr
    assert _graphs(endpoint) == [graph]
    assert aigovkg.load(endpoint=endpoint).results("topics").records() == []
    remote = aigovkg.load(endpoint=endpoint, default_graph=graph)
    compared = 0
    for name, params in (("topics", {}), ("instruments", {}), ("stats", {}),
                         ("topic-coverage", {"topic": "international-coordination", "source": "policy-window"})):
        assert sorted(map(str, remote.results(name, **params).rows)) == sorted(map(str, kg.results(name, **params).rows))
        compared += 1
    assert compared == 4
    assert remote.sparql_results(COUNT).records() == [{"n": kg.loaded.triples}]
    result = run_cli("query", "topics", "--endpoint", endpoint, "--graph", graph, "--format", "csv")
    assert result.returncode == 0 and len(result.stdout.splitlines()) == 24, result.stderr
    assert "not an absolute IRI" in _one_error_line(run_cli("query", "topics", "--endpoint", endpoint,
                                                            "--graph", "not an iri"))
