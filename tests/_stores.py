"""Small real HTTP servers on 127.0.0.1 for the remote-store tests: an
endpoint whose behaviour the test sets (it can also speak TLS on the same
port), a proxy that checks credentials or damages a push in front of a real
Oxigraph server, and the Oxigraph server itself."""

from __future__ import annotations

import contextlib
import hashlib
import http.client
import http.server
import json
import socket
import ssl
import subprocess
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

from aigovkg.server import oxigraph_binary, wait_for_port

JSON = "application/sparql-results+json"
GOOD = b'{"head":{"vars":["n"]},"results":{"bindings":[{"n":{"type":"literal","value":"1"}}]}}'
USER, PASSWORD = "alice", "s3cret-Pa55"
REALM, NONCE = "aigovkg-test", "7f2c0e4b9a"


def rows_json(count: int) -> bytes:
    """A SELECT answer of ``count`` rows."""
    rows = [{"n": {"type": "literal", "value": str(i)}} for i in range(count)]
    return json.dumps({"head": {"vars": ["n"]}, "results": {"bindings": rows}}).encode()


class Endpoint(http.server.ThreadingHTTPServer):
    """A SPARQL endpoint whose behaviour the test sets; it records every request
    (path, Authorization header, whether it came over TLS, the query sent)."""

    daemon_threads = True

    def __init__(self, behaviour: str, tls: ssl.SSLContext | None = None) -> None:
        super().__init__(("127.0.0.1", 0), EndpointHandler)
        self.behaviour = behaviour
        self.tls = tls
        self.hits: list[dict[str, object]] = []
        self.redirect_to = ""
        self.answer = GOOD
        self.headers_out: dict[str, str] = {}

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/sparql"

    def get_request(self) -> tuple[socket.socket, object]:
        # With a TLS context, one port speaks both: a TLS handshake starts with 0x16.
        sock, address = super().get_request()
        if self.tls is not None:
            sock.settimeout(5)
            if sock.recv(1, socket.MSG_PEEK) == b"\x16":
                sock = self.tls.wrap_socket(sock, server_side=True)
            sock.settimeout(None)
        return sock, address


class EndpointHandler(http.server.BaseHTTPRequestHandler):
    server: Endpoint

    def log_message(self, *args: object) -> None:
        pass

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", 0) or 0))
        form = urllib.parse.parse_qs(body.decode())
        self.server.hits.append({"path": self.path, "auth": self.headers.get("Authorization"),
                                 "tls": isinstance(self.connection, ssl.SSLSocket),
                                 "query": form.get("query", [""])[0],
                                 "default-graph-uri": form.get("default-graph-uri")})
        getattr(self, "_" + self.server.behaviour.replace("-", "_"))()

    def do_GET(self) -> None:
        self.do_POST()

    def do_PUT(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0) or 0))
        self.server.hits.append({"path": self.path, "auth": self.headers.get("Authorization")})
        getattr(self, "_" + self.server.behaviour.replace("-", "_"))()

    # behaviours

    def _good(self) -> None:
        self._send(200, JSON, self.server.answer)

    def _redirect(self) -> None:
        self.send_response(303)
        self.send_header("Location", self.server.redirect_to)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _redirect_once(self) -> None:
        """Redirect /sparql to ``redirect_to``; answer anything else."""
        if self.path == "/sparql":
            self._redirect()
        else:
            self._good()

    def _trickle_body(self) -> None:
        """Headers at once, then one byte of the body every 0.5 s (for at most 40 s)."""
        self.send_response(200)
        self.send_header("Content-Type", JSON)
        self.end_headers()
        self._dribble(GOOD * 100)

    def _trickle_headers(self) -> None:
        """The status line, then the headers one byte every 0.5 s."""
        self.wfile.write(b"HTTP/1.1 200 OK\r\n")
        self._dribble(f"Content-Type: {JSON}\r\nX-Padding: {'x' * 200}\r\n\r\n".encode() + GOOD)

    def _dribble(self, data: bytes) -> None:
        end = time.monotonic() + 40
        with contextlib.suppress(OSError):
            for i in range(len(data)):
                if time.monotonic() > end:
                    return
                self.wfile.write(data[i : i + 1])
                self.wfile.flush()
                time.sleep(0.5)

    def _stream(self) -> None:
        """The answer without a Content-Length, ended by closing the connection."""
        self.send_response(200)
        self.send_header("Content-Type", JSON)
        self.send_header("Connection", "close")
        self.end_headers()
        with contextlib.suppress(OSError):
            for start in range(0, len(self.server.answer), 65_536):
                self.wfile.write(self.server.answer[start : start + 65_536])
        self.close_connection = True

    def _store_error(self) -> None:
        """A Virtuoso-style error page with HTTP 500."""
        page = (b"<html><head><title>Error</title><style>h1{}</style></head><body><h1>HTTP/1.1 500 Request "
                b"Failed</h1><h3>Error 22023</h3><xmp>The request to SPARQL 1.1 Graph Store endpoint contains "
                b"&quot;default&quot; param but the endpoint is not configured to have default graph</xmp>"
                b"</body></html>")
        self._send(500, "text/html; charset=UTF-8", page)

    def _fail(self) -> None:
        self._send(500, "text/plain", b"boom")

    def _basic_only(self) -> None:
        import base64

        expected = "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
        if self.headers.get("Authorization") == expected:
            self._good()
        else:
            self._challenge(f'Basic realm="{REALM}"')

    def _digest_only(self) -> None:
        if digest_valid(self.headers.get("Authorization") or "", self.command):
            self._good()
        else:
            self._challenge(f'Digest realm="{REALM}", nonce="{NONCE}", qop="auth", algorithm=MD5')

    def _rows_capped(self) -> None:
        """Virtuoso's signal: the rows sent, and the limit they were cut at."""
        query = str(self.server.hits[-1]["query"])
        if "CONSTRUCT" in query:
            triples = b"".join(b"<http://e/s%d> <http://e/p> <http://e/o> .\n" % i for i in range(3))
            self._send(200, "application/n-triples", triples)
        elif "VALUES ?v0" in query:  # a SELECT of constants: Virtuoso cuts it at its limit, and says so
            limit = int(query.rsplit("LIMIT", 1)[1])
            self._send(200, JSON, rows_json(min(limit, 2)), {"X-SPARQL-MaxRows": "2"} if limit >= 2 else {})
        else:
            self._send(200, JSON, self.server.answer, self.server.headers_out)

    def _challenge(self, header: str) -> None:
        self.send_response(401)
        self.send_header("WWW-Authenticate", header)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _send(self, status: int, ctype: str, body: bytes, extra: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (extra or {}).items():
            self.send_header(name, value)
        self.end_headers()
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self.wfile.write(body)


def digest_valid(header: str, method: str) -> bool:
    """Check an RFC 7616 Digest answer (MD5, qop=auth) for USER and PASSWORD."""
    if not header.startswith("Digest "):
        return False
    fields = dict(urllib.request.parse_keqv_list(urllib.request.parse_http_list(header[7:])))
    if fields.get("username") != USER or fields.get("nonce") != NONCE:
        return False
    h1 = hashlib.md5(f"{USER}:{REALM}:{PASSWORD}".encode()).hexdigest()
    h2 = hashlib.md5(f"{method}:{fields.get('uri')}".encode()).hexdigest()
    expected = hashlib.md5(":".join([h1, NONCE, fields.get("nc", ""), fields.get("cnonce", ""),
                                     "auth", h2]).encode()).hexdigest()
    return fields.get("response") == expected


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start(server: http.server.HTTPServer) -> None:
    threading.Thread(target=server.serve_forever, daemon=True).start()


def stop(server: http.server.HTTPServer) -> None:
    server.shutdown()
    server.server_close()


def self_signed(folder: Path) -> tuple[Path, ssl.SSLContext]:
    """A certificate for 127.0.0.1 made by openssl for this test, and a server context."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key),
                    "-out", str(cert), "-days", "2", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1"], check=True, capture_output=True, timeout=60)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    return cert, context


# ---------------------------------------------------------------- proxy


class Proxy(http.server.ThreadingHTTPServer):
    """Forwards every request to a real store; ``mode`` says what it does on
    the way: ``pass``, ``basic`` or ``digest`` (answers 401 until the client
    gives USER and PASSWORD that way), ``halve-put`` (forwards only the first
    half of an upload's lines, and the store's 201), ``refuse-swap`` (answers the
    update that swaps the new graph in with a store-like error 500)."""

    daemon_threads = True

    def __init__(self, upstream: int, mode: str) -> None:
        super().__init__(("127.0.0.1", 0), ProxyHandler)
        self.upstream = upstream
        self.mode = mode
        self.seen: list[tuple[str, str, str | None]] = []  # method, path, Authorization

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}{path}"


class ProxyHandler(EndpointHandler):
    server: Proxy  # type: ignore[assignment]

    def do_GET(self) -> None:
        self._forward(b"")

    def do_POST(self) -> None:
        self._forward(self.rfile.read(int(self.headers.get("Content-Length", 0) or 0)))

    def do_PUT(self) -> None:
        self.do_POST()

    def _forward(self, body: bytes) -> None:
        mode = self.server.mode
        self.server.seen.append((self.command, self.path, self.headers.get("Authorization")))
        if mode == "basic" and not self._basic_ok():
            return self._challenge(f'Basic realm="{REALM}"')
        if mode == "digest" and not digest_valid(self.headers.get("Authorization") or "", self.command):
            return self._challenge(f'Digest realm="{REALM}", nonce="{NONCE}", qop="auth", algorithm=MD5')
        if mode == "halve-put" and self.command == "PUT":
            lines = body.splitlines(keepends=True)
            body = b"".join(lines[: len(lines) // 2])
        if mode == "refuse-swap" and "INSERT" in urllib.parse.unquote_plus(body.decode()):
            return self._send(500, "text/plain", b"Virtuoso 42000 Error SR325: Transaction aborted")
        upstream = http.client.HTTPConnection("127.0.0.1", self.server.upstream, timeout=60)
        headers = {k: v for k, v in self.headers.items() if k.lower() in ("content-type", "accept")}
        upstream.request(self.command, self.path, body=body, headers=headers)
        answer = upstream.getresponse()
        data = answer.read()
        self._send(answer.status, answer.headers.get("Content-Type", "text/plain"), data)
        upstream.close()
        return None

    def _basic_ok(self) -> bool:
        import base64

        return self.headers.get("Authorization") == "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()


@contextlib.contextmanager
def oxigraph(folder: Path) -> Iterator[int]:
    """A real read-write Oxigraph server on 127.0.0.1; yields its port."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    process = subprocess.Popen([oxigraph_binary(), "serve", "--location", str(folder), "--bind", f"127.0.0.1:{port}"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for_port("127.0.0.1", port, process=process)
        yield port
    finally:
        process.terminate()
        process.wait(10)
