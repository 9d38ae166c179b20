"""Misbehaving endpoints, served by test servers on 127.0.0.1: each gives a
clear error naming the endpoint, never bad data."""

from __future__ import annotations

import http.server
import threading
from typing import ClassVar

import pytest

import aigovkg
from aigovkg.errors import QueryError

GOOD = b'{"head":{"vars":["n"]},"results":{"bindings":[{"n":{"type":"literal","value":"1"}}]}}'


class _Handler(http.server.BaseHTTPRequestHandler):
    behaviour = "good"
    hits: ClassVar[list[dict]] = []

    def log_message(self, *args):  # quiet
        pass

    def do_POST(self):
        length = int(self.headers.get("Content-Length", 0))
        self.rfile.read(length)
        type(self).hits.append({"path": self.path, "auth": self.headers.get("Authorization")})
        kind = type(self).behaviour
        if kind == "truncated":
            self._send(200, "application/sparql-results+json", GOOD[:40], length=len(GOOD))
        elif kind == "truncated-chunk":
            self._send(200, "application/sparql-results+json", GOOD[:40])
        elif kind == "html":
            self._send(200, "text/html", b"<html><body>Service temporarily down</body></html>")
        elif kind == "error500":
            self._send(500, "text/plain", b"boom")
        elif kind == "flaky":
            if len(type(self).hits) < 2:
                self._send(503, "text/plain", b"busy")
            else:
                self._send(200, "application/sparql-results+json", GOOD)
        else:
            self._send(200, "application/sparql-results+json", GOOD)

    def do_PUT(self):
        # Read the whole upload before answering, as a real store does: answering
        # 501 while the client still sends made the client fail with "Broken pipe"
        # about one run in five, instead of reading the answer.
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        type(self).hits.append({"path": self.path, "auth": self.headers.get("Authorization")})
        self._send(501, "text/plain", b"Graph Store Protocol not supported here")

    def _send(self, status, ctype, body, length=None):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(length if length is not None else len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def endpoint():
    _Handler.hits = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/sparql"
    server.shutdown()
    server.server_close()


def _ask(url, behaviour, **options):
    _Handler.behaviour = behaviour
    return aigovkg.load(endpoint=url, backoff=0.01, **options).sparql_results("SELECT ?n WHERE { ?s ?p ?n }")


def test_good_answer(endpoint):
    assert _ask(endpoint, "good").records() == [{"n": "1"}]


@pytest.mark.parametrize("behaviour,message", [
    ("truncated", "truncated"),
    ("html", "text/html, not SPARQL results"),
    ("error500", "500"),
])
def test_bad_answers_are_errors_naming_the_endpoint(endpoint, behaviour, message):
    with pytest.raises(QueryError) as caught:
        _ask(endpoint, behaviour, retries=0)
    assert endpoint in str(caught.value) and message in str(caught.value)


def test_server_error_is_retried_with_backoff(endpoint):
    assert _ask(endpoint, "flaky", retries=2).records() == [{"n": "1"}]
    assert len(_Handler.hits) == 2


def test_endpoint_down():
    with pytest.raises(QueryError, match="cannot reach"):
        aigovkg.load(endpoint="http://127.0.0.1:9/sparql", retries=0).sparql_results("ASK { ?s ?p ?o }")


def test_endpoint_must_be_http():
    from aigovkg.errors import UsageError

    with pytest.raises(UsageError):
        aigovkg.load(endpoint="file:///etc/passwd")


def test_failed_push_is_an_error_and_says_the_graph_is_unchanged(endpoint):
    from .conftest import run_cli

    store = endpoint.replace("/sparql", "/store")
    result = run_cli("push", "--endpoint", endpoint, "--store", store)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "push refused: HTTP 501" in result.stderr and "unchanged" in result.stderr
    down = run_cli("push", "--endpoint", "http://127.0.0.1:9/query")
    assert down.returncode == 2 and "cannot reach the store" in down.stderr
    underivable = run_cli("push", "--endpoint", endpoint)
    assert underivable.returncode == 2 and "give --store URL" in underivable.stderr
