"""Misbehaving endpoints, each a real HTTP server on 127.0.0.1 started by the
test: down, slow, partial (206), truncated, 406, HTML with 200, wrong content
type, redirecting to another host, failing then recovering, failing forever.
Each gives a clear error naming the endpoint through the API and the CLI (exit
2, no traceback). A push that fails mid-way, through a proxy in front of a
real Oxigraph server, leaves the remote graph as it was."""

from __future__ import annotations

import contextlib
import http.server
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

import aigovkg
from aigovkg.errors import QueryError
from aigovkg.server import oxigraph_binary, wait_for_port

from .conftest import run_cli

GOOD = b'{"head":{"vars":["n"]},"results":{"bindings":[{"n":{"type":"literal","value":"1"}}]}}'
JSON = "application/sparql-results+json"


class Server(http.server.ThreadingHTTPServer):
    """A test endpoint whose behaviour the test sets; it records every request."""

    daemon_threads = True

    def __init__(self, host: str, behaviour: str) -> None:
        super().__init__((host, 0), Handler)
        self.behaviour = behaviour
        self.hits: list[dict[str, str | None]] = []
        self.redirect_to = ""

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}/sparql"


class Handler(http.server.BaseHTTPRequestHandler):
    server: Server

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        self.do_POST()

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", 0) or 0)
        self.rfile.read(length)
        hits = self.server.hits
        hits.append({"path": self.path, "auth": self.headers.get("Authorization")})
        kind = self.server.behaviour
        if kind == "slow":
            time.sleep(4)
            self._send(200, JSON, GOOD)
        elif kind == "partial":
            self._send(206, JSON, GOOD[:40])
        elif kind == "truncated":
            self._send(200, JSON, GOOD[:40])
        elif kind == "truncated-length":
            self._send(200, JSON, GOOD[:40], length=len(GOOD))
        elif kind == "406":
            self._send(406, "text/plain", b"Not Acceptable")
        elif kind == "html":
            self._send(200, "text/html", b"<html><body><h1>Service temporarily down</h1></body></html>")
        elif kind == "wrong-type":
            self._send(200, "application/json", GOOD)
        elif kind == "redirect" or (kind == "redirect-once" and self.path == "/sparql"):
            self.send_response(303)
            self.send_header("Location", self.server.redirect_to)
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif kind == "flaky" and len(hits) < 3:
            self._send(503, "text/plain", b"busy")
        elif kind == "down-forever":
            self._send(500, "text/plain", b"boom")
        else:
            self._send(200, JSON, GOOD)

    def _send(self, status: int, ctype: str, body: bytes, length: int | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(length if length is not None else len(body)))
        self.end_headers()
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self.wfile.write(body)


def _start(behaviour: str, host: str = "127.0.0.1") -> Server:
    server = Server(host, behaviour)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture
def servers() -> Iterator[list[Server]]:
    started: list[Server] = []
    yield started
    for server in started:
        server.shutdown()
        server.server_close()


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# behaviour, what the message says, attempts the API makes with retries=2
CASES = [
    ("down", "cannot reach the endpoint", 0),
    ("slow", "no complete answer within 1 s", 1),  # the deadline covers retries: none is left for one
    ("partial", "HTTP 206: expected a complete answer", 1),
    ("truncated", "malformed or truncated results", 1),
    ("truncated-length", "truncated answer", 1),
    ("406", "406", 1),
    ("html", "answered with text/html, not SPARQL results", 1),
    ("wrong-type", "answered with application/json, not SPARQL results", 1),
    ("down-forever", "500", 3),
]


def _endpoint(servers: list[Server], behaviour: str) -> tuple[str, Server | None]:
    if behaviour == "down":
        return f"http://127.0.0.1:{_closed_port()}/sparql", None
    server = _start(behaviour)
    servers.append(server)
    return server.url, server


@pytest.mark.reliability("Endpoints that are down, slower than the timeout, answer HTTP 206 with partial results, "
                         "200 with truncated JSON (with and without a Content-Length), 406, an HTML page with 200, "
                         "the wrong content type, or 5xx forever",
                         "`aigovkg.load(endpoint=...)` raises a clear error naming the endpoint; safe requests "
                         "are retried (attempts counted) before giving up")
@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_misbehaving_endpoint_api(servers, case):
    behaviour, message, attempts = case
    url, server = _endpoint(servers, behaviour)
    kg = aigovkg.load(endpoint=url, timeout=1, retries=2, backoff=0.01)
    with pytest.raises(QueryError) as caught:
        kg.results("topics")
    assert str(caught.value).startswith(url + ": ") and message in str(caught.value), caught.value
    if server is not None:
        assert len(server.hits) == attempts


@pytest.mark.reliability("The same endpoints through `aigovkg query NAME --endpoint URL`",
                         "exit 2, one line naming the endpoint, no traceback")
@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_misbehaving_endpoint_cli(servers, case):
    behaviour, message, _attempts = case
    url, _server = _endpoint(servers, behaviour)
    result = run_cli("query", "topics", "--endpoint", url, "--timeout", "1")
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"aigovkg: error: {url}: ") and message in lines[0], lines


def test_endpoint_case_count():
    assert len(CASES) == 9


@pytest.mark.reliability("An endpoint that fails twice with 503, then answers",
                         "retried with backoff: 3 attempts, then the right rows (API and CLI)")
def test_server_errors_then_success_are_retried(servers):
    server = _start("flaky")
    servers.append(server)
    assert aigovkg.load(endpoint=server.url, retries=2, backoff=0.01).results("topics").records() == [{"n": "1"}]
    assert len(server.hits) == 3
    server.hits.clear()
    result = run_cli("query", "topics", "--endpoint", server.url, "--format", "csv")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "n\n1\n" and len(server.hits) == 3


def _other_host() -> str:
    try:
        with socket.socket() as probe:
            probe.bind(("127.0.0.2", 0))
        return "127.0.0.2"
    except OSError:
        return "localhost"


@pytest.mark.reliability("An endpoint with credentials that redirects to another host (127.0.0.2)",
                         "the redirect is followed without the Authorization header; a same-host redirect keeps it")
def test_credentials_do_not_follow_a_redirect_to_another_host(servers):
    other = _start("good", _other_host())
    first = _start("redirect")
    servers.extend([other, first])
    first.redirect_to = other.url
    kg = aigovkg.load(endpoint=first.url, user="alice", password="secret", retries=0)
    assert kg.results("topics").records() == [{"n": "1"}]
    first_auth = first.hits[0]["auth"]
    assert first_auth and first_auth.startswith("Basic ")
    assert [h["auth"] for h in other.hits] == [None]
    # the contrast: a redirect to the same host and port keeps the credentials
    first.hits.clear()
    first.redirect_to = first.url.replace("/sparql", "/other")
    first.behaviour = "redirect-once"
    kg.results("topics")
    assert [(h["path"], h["auth"] == first_auth) for h in first.hits] == [("/sparql", True), ("/other", True)]


# ------------------------------------------------------------------ push


class FailingProxy(http.server.ThreadingHTTPServer):
    """Forwards a PUT to the real store but cuts the upload half-way, then
    answers 502, as a proxy or network failing mid-request would."""

    daemon_threads = True

    def __init__(self, upstream: int) -> None:
        super().__init__(("127.0.0.1", 0), ProxyHandler)
        self.upstream = upstream
        self.forwarded: list[int] = []


class ProxyHandler(http.server.BaseHTTPRequestHandler):
    server: FailingProxy

    def log_message(self, *args: object) -> None:
        pass

    def do_PUT(self) -> None:
        length = int(self.headers["Content-Length"])
        body = self.rfile.read(length)
        with socket.create_connection(("127.0.0.1", self.server.upstream)) as upstream:
            head = (f"PUT {self.path} HTTP/1.1\r\nHost: 127.0.0.1:{self.server.upstream}\r\n"
                    f"Content-Type: {self.headers['Content-Type']}\r\nContent-Length: {length}\r\n\r\n")
            upstream.sendall(head.encode() + body[: length // 2])
            self.server.forwarded.append(length // 2)
            time.sleep(0.2)
        self.send_response(502)
        self.send_header("Content-Length", "0")
        self.end_headers()


@pytest.fixture
def real_store(tmp_path: Path) -> Iterator[str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    process = subprocess.Popen([oxigraph_binary(), "serve", "--location", str(tmp_path / "store"),
                                "--bind", f"127.0.0.1:{port}"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for_port("127.0.0.1", port, process=process)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(10)


@pytest.mark.server
@pytest.mark.reliability("`aigovkg push` through a proxy that cuts the upload to a real Oxigraph server half-way "
                         "and answers 502", "exit 2 naming the store; querying the real server shows the previous "
                         "graph intact (same count, old triple present, new one absent)")
def test_failed_push_leaves_the_real_remote_graph_as_it_was(real_store: str, data_copy: Path, kg):
    endpoint = real_store + "/query"
    first = run_cli("push", "--endpoint", endpoint)
    assert first.returncode == 0, first.stderr
    remote = aigovkg.load(endpoint=endpoint)
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    assert remote.sparql_results(count).records() == [{"n": kg.loaded.triples}]
    # the new version: one instrument's label changed
    path = data_copy / "instruments" / "eu-ai-act.ttl"
    path.write_text(path.read_text().replace('rdfs:label "EU AI Act"@en', 'rdfs:label "Changed"@en', 1))
    proxy = FailingProxy(int(real_store.rsplit(":", 1)[1]))
    threading.Thread(target=proxy.serve_forever, daemon=True).start()
    try:
        store = f"http://127.0.0.1:{proxy.server_address[1]}/store"
        failed = run_cli("push", "--endpoint", endpoint, "--store", store, "--data", str(data_copy))
    finally:
        proxy.shutdown()
        proxy.server_close()
    assert failed.returncode == 2, failed.stdout + failed.stderr
    assert f"{store}: push refused: HTTP 502" in failed.stderr and "Traceback" not in failed.stderr
    assert len(proxy.forwarded) == 1 and proxy.forwarded[0] > 100_000  # the real server got half a graph
    assert remote.sparql_results(count).records() == [{"n": kg.loaded.triples}]
    ask = 'ASK {{ inst:eu-ai-act rdfs:label "{}"@en }}'
    assert remote.sparql_results(ask.format("EU AI Act")) is True
    assert remote.sparql_results(ask.format("Changed")) is False


@pytest.mark.reliability("An endpoint slower than the timeout on a machine so busy that the deadline's watchdog "
                         "thread runs late (the socket's own timeout fires first)",
                         "'no complete answer within 1 s', never 'cannot reach the endpoint: timed out'")
def test_a_socket_timeout_is_a_timeout_even_before_the_watchdog_runs(servers, monkeypatch):
    # A busy machine cannot be made on demand: the watchdog's timer is started
    # ten times late instead, so the socket's own timeout (the same deadline)
    # is what ends the wait. Seen once in the suite under load as the wrong message.
    from aigovkg import _http

    class LateWatchdog(_http._Watchdog):
        def __init__(self, seconds: float) -> None:
            super().__init__(seconds * 10)

    monkeypatch.setattr(_http, "_Watchdog", LateWatchdog)
    server = _start("slow")
    servers.append(server)
    with pytest.raises(QueryError, match=r"no complete answer within 1 s"):
        aigovkg.load(endpoint=server.url, timeout=1, retries=0).results("topics")
