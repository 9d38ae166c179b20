"""Remote SPARQL 1.1 endpoints, through SPARQLWrapper.

Results are read as raw bytes and parsed strictly by pyoxigraph, so a
truncated or malformed body (an HTTP 200 cut short by a server-side timeout,
an HTML error page) is an error naming the endpoint, never data. Safe requests
are retried with backoff; credentials are never sent on to another host when
the endpoint redirects.
"""

from __future__ import annotations

import http.client
import math
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pyoxigraph as ox

from aigovkg.errors import QueryError, UsageError
from aigovkg.namespaces import PREFIXES
from aigovkg.results import ResultTable, from_solutions
from aigovkg.sparql import query_form

_PROLOGUE = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in PREFIXES.items())
_SWAP = threading.Lock()
_MEDIA = {
    "json": ("application/sparql-results+json", ox.QueryResultsFormat.JSON),
    "xml": ("application/sparql-results+xml", ox.QueryResultsFormat.XML),
}


def check_endpoint(url: str) -> str:
    parsed = urllib.parse.urlsplit(url)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise UsageError(f"endpoint must be an http(s) URL, got {url!r}")
    return url


class _SameHostRedirects(urllib.request.HTTPRedirectHandler):
    """Follow redirects, but drop credentials when the host changes."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        new = super().redirect_request(req, fp, code, msg, headers, newurl)
        if new is not None and urllib.parse.urlsplit(newurl).netloc != urllib.parse.urlsplit(req.full_url).netloc:
            for name in ("Authorization", "Proxy-authorization", "Cookie"):
                new.remove_header(name)
                new.unredirected_hdrs.pop(name, None)
        return new


_OPENER = urllib.request.build_opener(_SameHostRedirects)


@contextmanager
def _safe_opener() -> Iterator[None]:
    import SPARQLWrapper.Wrapper as wrapper

    with _SWAP:
        previous = wrapper.urlopener
        wrapper.urlopener = _OPENER.open  # type: ignore[assignment]  # SPARQLWrapper's seam for its opener
        try:
            yield
        finally:
            wrapper.urlopener = previous


class RemoteEngine:
    """Runs queries on a SPARQL 1.1 endpoint."""

    name = "remote"

    def __init__(
        self,
        endpoint: str,
        *,
        timeout: float = 30.0,
        retries: int = 2,
        backoff: float = 0.5,
        user: str | None = None,
        password: str | None = None,
    ) -> None:
        self.endpoint = check_endpoint(endpoint)
        if timeout <= 0:
            raise UsageError("timeout must be positive")
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.credentials = (user, password) if user else None

    def __repr__(self) -> str:
        return f"<RemoteEngine {self.endpoint}>"

    def _fetch(self, text: str, accept: str) -> tuple[bytes, str]:
        from SPARQLWrapper import POST, SPARQLWrapper
        from SPARQLWrapper.SPARQLExceptions import SPARQLWrapperException

        attempt = 0
        while True:
            client = SPARQLWrapper(self.endpoint)
            client.setMethod(POST)
            client.setQuery(_PROLOGUE + text)
            # SPARQLWrapper guesses the query form with a regex that a comment
            # ("... address this topic ...") can fool into sending an update;
            # set the form found by our own tokenizer instead.
            client.queryType = query_form(text)
            client.setTimeout(max(1, math.ceil(self.timeout)))
            client.setOnlyConneg(True)
            client.addCustomHttpHeader("Accept", accept)
            if self.credentials:
                client.setCredentials(*self.credentials)
            try:
                with _safe_opener():
                    response = client.query().response
                    try:
                        body = response.read()
                    except http.client.IncompleteRead as exc:
                        raise QueryError(
                            f"{self.endpoint}: truncated answer ({len(exc.partial)} bytes, "
                            f"{exc.expected} more expected)"
                        ) from None
                    ctype = response.headers.get("Content-Type", "") or ""
                    length = response.headers.get("Content-Length")
                    status = getattr(response, "status", 200)
                if status != 200:
                    raise QueryError(f"{self.endpoint}: HTTP {status}: expected a complete answer (200)")
                if length is not None and length.isdigit() and int(length) != len(body):
                    raise QueryError(f"{self.endpoint}: truncated answer ({len(body)} of {length} bytes)")
                return body, ctype
            except QueryError:
                raise
            except SPARQLWrapperException as exc:
                status = _status_of(exc)
                if status is not None and status >= 500 and attempt < self.retries:
                    attempt = self._wait(attempt)
                    continue
                raise QueryError(f"{self.endpoint}: {_first_line(exc)}") from None
            except urllib.error.HTTPError as exc:
                if exc.code >= 500 and attempt < self.retries:
                    attempt = self._wait(attempt)
                    continue
                raise QueryError(f"{self.endpoint}: HTTP {exc.code} {exc.reason}") from None
            except (urllib.error.URLError, TimeoutError, ConnectionError, OSError) as exc:
                if attempt < self.retries:
                    attempt = self._wait(attempt)
                    continue
                reason = getattr(exc, "reason", exc)
                raise QueryError(f"{self.endpoint}: cannot reach the endpoint: {reason}") from None

    def _wait(self, attempt: int) -> int:
        time.sleep(self.backoff * (2**attempt))
        return attempt + 1

    def _results(self, text: str) -> Any:
        media, fmt = _MEDIA["json"]
        body, ctype = self._fetch(text, f"{media}, {_MEDIA['xml'][0]};q=0.9")
        kind = ctype.split(";")[0].strip().lower()
        for expected, parse_format in _MEDIA.values():
            if kind == expected:
                fmt = parse_format
                break
        else:
            raise QueryError(f"{self.endpoint}: answered with {kind or 'no content type'}, not SPARQL results")
        try:
            return ox.parse_query_results(body, format=fmt)
        except SyntaxError as exc:
            raise QueryError(f"{self.endpoint}: malformed or truncated results: {exc}") from None

    def select(self, text: str) -> ResultTable:
        result = self._results(text)
        if not isinstance(result, ox.QuerySolutions):
            raise QueryError(f"{self.endpoint}: expected SELECT results")
        try:
            return from_solutions(result)
        except SyntaxError as exc:  # parsing is lazy: errors may surface while reading rows
            raise QueryError(f"{self.endpoint}: malformed or truncated results: {exc}") from None

    def ask(self, text: str) -> bool:
        result = self._results(text)
        if not isinstance(result, ox.QueryBoolean):
            raise QueryError(f"{self.endpoint}: expected a boolean result")
        return bool(result)

    def construct(self, text: str) -> list[ox.Triple]:
        body, ctype = self._fetch(text, "application/n-triples")
        kind = ctype.split(";")[0].strip().lower()
        if kind not in ("application/n-triples", "text/plain"):
            raise QueryError(f"{self.endpoint}: answered with {kind or 'no content type'}, not N-Triples")
        try:
            return [q.triple for q in ox.parse(body, format=ox.RdfFormat.N_TRIPLES)]
        except SyntaxError as exc:
            raise QueryError(f"{self.endpoint}: malformed or truncated RDF: {exc}") from None


def _status_of(exc: Exception) -> int | None:
    text = str(exc)
    for code in (500, 502, 503, 504):
        if str(code) in text:
            return code
    return None


def _first_line(exc: Exception) -> str:
    text = " ".join(str(exc).split())
    return text[:300]


def push(
    store_url: str,
    data: bytes,
    *,
    graph: str | None = None,
    timeout: float = 60.0,
    user: str | None = None,
    password: str | None = None,
) -> int:
    """Replace a graph on a Graph Store Protocol endpoint with one PUT request.

    One request means the store replaces the graph atomically: readers see the
    old graph or the new one, never an empty one in between.
    """
    check_endpoint(store_url)
    query = {"graph": graph} if graph else {"default": ""}
    url = store_url + ("&" if "?" in store_url else "?") + urllib.parse.urlencode(query).replace("default=", "default")
    request = urllib.request.Request(url, data=data, method="PUT",
                                     headers={"Content-Type": "application/n-triples"})
    if user:
        import base64

        token = base64.b64encode(f"{user}:{password or ''}".encode()).decode()
        request.add_unredirected_header("Authorization", f"Basic {token}")
    try:
        with _OPENER.open(request, timeout=timeout) as response:
            status = int(response.status)
    except urllib.error.HTTPError as exc:
        raise QueryError(f"{store_url}: push refused: HTTP {exc.code} {exc.reason}; the remote graph is unchanged") from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise QueryError(f"{store_url}: cannot reach the store: {reason}") from None
    if status not in (200, 201, 204):
        raise QueryError(f"{store_url}: push answered HTTP {status}")
    return status
