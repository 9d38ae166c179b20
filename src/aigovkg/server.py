"""Serve the graph through the real Oxigraph server (the PyPI package
``oxigraph``), read-only, on 127.0.0.1 by default.

The Oxigraph server itself listens on a private port of 127.0.0.1; clients
talk to a small guard in front of it that reads every query with the same
guard as ad-hoc queries (:func:`aigovkg.sparql.check_read_only`) and forwards
only those it lets through, so SERVICE, LOAD, FROM of remote graphs, updates
and queries deep enough to crash the server never reach it.
"""

from __future__ import annotations

import errno
import http.client
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from aigovkg.errors import AigovkgError, QueryError, UsageError
from aigovkg.export import dump
from aigovkg.loader import LoadedGraph
from aigovkg.sparql import MAX_QUERY_CHARS, check_read_only

MAX_BODY = 4 * MAX_QUERY_CHARS  # bytes: a query of the longest allowed text, percent-encoded
_HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade",
               "proxy-authenticate", "proxy-authorization", "content-length"}
_FORWARDED = ("accept", "accept-language", "content-type", "user-agent")


def oxigraph_binary() -> str:
    """The ``oxigraph`` command installed with the ``oxigraph`` package."""
    beside = Path(sys.executable).with_name("oxigraph")
    if beside.exists():
        return str(beside)
    found = shutil.which("oxigraph")
    if not found:
        raise AigovkgError("the Oxigraph server is not installed: pip install 'aigovkg[server]'")
    return found


def wait_for_port(host: str, port: int, *, timeout: float = 30.0, process: subprocess.Popen[bytes] | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise AigovkgError(f"the Oxigraph server stopped at start (exit {process.returncode})")
        with socket.socket() as probe:
            probe.settimeout(0.5)
            if probe.connect_ex((host, port)) == 0:
                return
        time.sleep(0.1)
    raise AigovkgError(f"the Oxigraph server did not open {host}:{port} within {timeout:.0f} s")


def prepare_store(loaded: LoadedGraph, folder: Path) -> Path:
    """Load the graph into an Oxigraph database folder with ``oxigraph load``."""
    data = folder / "aigovkg.nt"
    data.write_bytes(dump(loaded.store, "ntriples"))
    location = folder / "store"
    subprocess.run([oxigraph_binary(), "load", "--location", str(location), "--file", str(data)],
                   check=True, capture_output=True, timeout=600)
    return location


class _GuardServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], backend: tuple[str, int], timeout: float) -> None:
        super().__init__(address, _Guard)
        self.backend = backend
        self.backend_timeout = timeout


class _Guard(BaseHTTPRequestHandler):
    """Lets through read-only queries and the query page; refuses the rest."""

    server: _GuardServer
    protocol_version = "HTTP/1.0"

    def log_message(self, format: str, *args: object) -> None:
        return  # quiet, like the Oxigraph server

    def _refuse(self, status: int, message: str) -> None:
        body = (message + "\n").encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _body(self) -> bytes | None:
        length = self.headers.get("Content-Length")
        if length is None or not length.isdigit():
            self._refuse(411, "a request body needs a Content-Length")
            return None
        if int(length) > MAX_BODY:
            self._refuse(413, f"query refused: longer than {MAX_QUERY_CHARS:,} characters")
            return None
        return self.rfile.read(int(length))

    def _query_text(self, url_query: str, body: bytes) -> str | None:
        """The one query of the request, from the URL or the body, or None."""
        kind = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        texts = parse_qs(url_query, keep_blank_values=True).get("query", [])
        if self.command == "POST" and kind == "application/x-www-form-urlencoded":
            texts += parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True).get("query", [])
        elif self.command == "POST" and kind == "application/sparql-query":
            texts.append(body.decode("utf-8", "replace"))
        if len(texts) != 1:
            self._refuse(400, "a query request needs exactly one query")
            return None
        return texts[0]

    def _handle(self) -> None:
        url = urlsplit(self.path)
        body = b""
        if self.command == "POST":
            read = self._body()
            if read is None:
                return
            body = read
        if url.path == "/query":
            text = self._query_text(url.query, body)
            if text is None:
                return
            try:
                check_read_only(text)
            except QueryError as exc:
                self._refuse(400, str(exc))
                return
        elif self.command != "GET":
            self._refuse(403, "this server is read-only: only queries at /query are answered")
            return
        self._forward(body)

    def _forward(self, body: bytes) -> None:
        host, port = self.server.backend
        connection = http.client.HTTPConnection(host, port, timeout=self.server.backend_timeout)
        try:
            headers = {k: v for k, v in self.headers.items() if k.lower() in _FORWARDED}
            connection.request(self.command, self.path, body=body or None, headers=headers)
            answer = connection.getresponse()
            self.send_response(answer.status, answer.reason)
            for key, value in answer.getheaders():
                if key.lower() not in _HOP_BY_HOP:
                    self.send_header(key, value)
            self.end_headers()
            while chunk := answer.read(65536):
                self.wfile.write(chunk)
        except (OSError, http.client.HTTPException):
            self.close_connection = True
        finally:
            connection.close()

    do_GET = _handle
    do_POST = _handle

    def do_PUT(self) -> None:
        self._refuse(405, "this server is read-only")

    do_DELETE = do_PATCH = do_PUT


def _listen(bind: str, port: int, backend: tuple[str, int], timeout: float) -> _GuardServer:
    try:
        return _GuardServer((bind, port), backend, timeout)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise UsageError(f"{bind}:{port} is already in use by another program; "
                             f"choose another port with --port") from None
        raise UsageError(f"cannot listen on {bind}:{port}: {exc.strerror or exc}") from None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def serve(
    loaded: LoadedGraph,
    *,
    port: int = 7878,
    bind: str = "127.0.0.1",
    timeout_s: int = 30,
    announce: Callable[[str], None] = print,
) -> int:
    """Run a read-only Oxigraph server on the graph until interrupted."""
    if not 0 < port < 65536:
        raise UsageError(f"port must be between 1 and 65535, got {port}")
    def _interrupt(_signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    # Background jobs may start with SIGINT ignored; Ctrl-C and SIGTERM must stop us.
    signal.signal(signal.SIGINT, _interrupt)
    signal.signal(signal.SIGTERM, _interrupt)
    backend = ("127.0.0.1", _free_port())
    guard = _listen(bind, port, backend, timeout_s + 10.0)  # the port is ours before anything is announced
    with guard, tempfile.TemporaryDirectory(prefix="aigovkg-serve-") as tmp:
        location = prepare_store(loaded, Path(tmp))
        command = [oxigraph_binary(), "serve-read-only", "--location", str(location),
                   "--bind", f"{backend[0]}:{backend[1]}", "--timeout-s", str(timeout_s)]
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        thread = threading.Thread(target=guard.serve_forever, daemon=True)
        try:
            wait_for_port(*backend, process=process)
            thread.start()
            shown = guard.server_address[1]
            announce(f"SPARQL endpoint: http://{bind}:{shown}/query  (query page: http://{bind}:{shown}/)")
            announce("read-only; SERVICE, LOAD, FROM and updates are refused; press Ctrl-C to stop")
            return process.wait()
        except KeyboardInterrupt:
            return 0
        finally:
            if thread.is_alive():
                guard.shutdown()
            if process.poll() is None:
                process.send_signal(signal.SIGINT)
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
