"""Remote SPARQL 1.1 endpoints, over the SPARQL 1.1 Protocol.

Results are read as raw bytes and parsed strictly by pyoxigraph, so a
truncated or malformed body (an HTTP 200 cut short by a server-side timeout,
an HTML error page) is an error naming the endpoint, never data. Each call has
one deadline (``timeout`` seconds, retries included) and a cap on the size of
the answer; an answer that the store says it cut at a row limit is an error,
never a silent partial result. Safe requests are retried with backoff while
time remains; credentials go to the endpoint's own scheme, host and port only.
"""

from __future__ import annotations

import math
import time
import urllib.parse
from dataclasses import dataclass
from typing import Any

import pyoxigraph as ox

from aigovkg import __version__
from aigovkg._http import (
    DEFAULT_MAX_BYTES,
    Answer,
    Timeout,
    Unreachable,
    exchange,
    redact,
    sleep_within,
    store_message,
)
from aigovkg.credentials import resolve
from aigovkg.errors import QueryError, UsageError
from aigovkg.namespaces import PREFIXES
from aigovkg.results import ResultTable, from_solutions

_PROLOGUE = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in PREFIXES.items())
_MEDIA = {
    "json": ("application/sparql-results+json", ox.QueryResultsFormat.JSON),
    "xml": ("application/sparql-results+xml", ox.QueryResultsFormat.XML),
}
_RESULTS_ACCEPT = f"{_MEDIA['json'][0]}, {_MEDIA['xml'][0]};q=0.9"
_MAX_ROWS = "X-SPARQL-MaxRows"  # Virtuoso: the row limit its answer was cut at
_SQL_STATE = "X-SQL-State"  # Virtuoso: an "anytime" query stopped early, partial results


def check_endpoint(url: str) -> str:
    parsed = urllib.parse.urlsplit(url)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise UsageError(f"endpoint must be an http(s) URL, got {redact(url)!r}")
    return url


def check_graph_iri(iri: str) -> str:
    """An absolute IRI for a graph, or a usage error."""
    from aigovkg.queries import Param

    return Param("graph", "iri", False, "").to_term(iri).value


@dataclass(frozen=True)
class _Deadline:
    """When a call must be over, and the seconds it was given."""

    at: float
    seconds: float

    def remaining(self) -> float:
        return self.at - time.monotonic()


class RemoteEngine:
    """Runs queries on a SPARQL 1.1 endpoint.

    ``default_graph`` (an IRI) is sent as ``default-graph-uri``, so queries
    read that named graph of a shared store as their default graph.
    ``max_bytes`` caps the size of an answer (100 MB by default).
    """

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
        auth: str | None = None,
        default_graph: str | None = None,
        max_bytes: int = DEFAULT_MAX_BYTES,
    ) -> None:
        check_endpoint(endpoint)
        if timeout <= 0:
            raise UsageError("timeout must be positive")
        if max_bytes <= 0:
            raise UsageError("max_bytes must be positive")
        self.endpoint, self.credentials = resolve(endpoint, user=user, password=password, auth=auth)
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.default_graph = check_graph_iri(default_graph) if default_graph is not None else None
        self.max_bytes = max_bytes
        self._checked_up_to = 0  # answers this long are known to be under the store's row limit

    def __repr__(self) -> str:
        graph = f" graph <{self.default_graph}>" if self.default_graph else ""
        return f"<RemoteEngine {self.endpoint}{graph}>"

    # ---------------------------------------------------------------- requests

    def _ask_store(self, text: str, accept: str, deadline: _Deadline) -> Answer:
        """POST the query; retry server errors and failed connections while
        the deadline allows; return a 200 answer or raise naming the endpoint."""
        form = {"query": _PROLOGUE + text}
        if self.default_graph:
            form["default-graph-uri"] = self.default_graph
        body = urllib.parse.urlencode(form).encode("utf-8")
        headers = {"Accept": accept, "Content-Type": "application/x-www-form-urlencoded",
                   "User-Agent": f"aigovkg/{__version__}"}
        attempt = 0
        while True:
            try:
                answer = exchange("POST", self.endpoint, body=body, headers=headers,
                                  timeout=deadline.remaining(), max_bytes=self.max_bytes,
                                  credentials=self.credentials)
            except Timeout:
                raise QueryError(f"{self.endpoint}: no complete answer within {deadline.seconds:g} s") from None
            except Unreachable:
                if self._may_retry(attempt, deadline):
                    attempt += 1
                    continue
                raise
            if answer.status >= 500 and self._may_retry(attempt, deadline):
                attempt += 1
                continue
            return self._check_status(answer)

    def _may_retry(self, attempt: int, deadline: _Deadline) -> bool:
        return attempt < self.retries and sleep_within(self.backoff * (2**attempt), deadline.at)

    def _check_status(self, answer: Answer) -> Answer:
        if answer.status == 200:
            return answer
        if 200 < answer.status < 300:
            raise QueryError(f"{self.endpoint}: HTTP {answer.status}: expected a complete answer (200)")
        said = store_message(answer)
        raise QueryError(f"{self.endpoint}: HTTP {answer.status}" + (f": {said}" if said else ""))

    def _deadline(self, timeout: float | None) -> _Deadline:
        """The deadline of one call: ``timeout`` if given, else the engine's."""
        seconds = self.timeout if timeout is None else timeout
        if seconds <= 0:
            raise UsageError("timeout must be positive")
        return _Deadline(time.monotonic() + seconds, seconds)

    # ------------------------------------------------------------ completeness

    def _check_complete(self, answer: Answer, count: int, what: str) -> None:
        """Refuse an answer that the store says is partial."""
        state = answer.header(_SQL_STATE)
        if state:
            detail = answer.header("X-SQL-Message") or state
            raise QueryError(f"{self.endpoint}: the store stopped the query early and sent partial results "
                             f"({_SQL_STATE} {state}: {detail})")
        cap = answer.header(_MAX_ROWS).strip()
        if cap.isdigit() and count >= int(cap):
            raise QueryError(self._capped(int(cap), count, what))

    def _capped(self, cap: int, count: int, what: str) -> str:
        return (f"{self.endpoint}: incomplete answer: the store cuts answers at {cap:,} rows ({_MAX_ROWS}) "
                f"and sent {count:,} {what}; raise its limit (Virtuoso: ResultSetMaxRows in [SPARQL]) "
                "or narrow the query")

    def _check_triples_complete(self, count: int, deadline: _Deadline) -> None:
        """A store may cut a CONSTRUCT answer at its row limit without saying so
        (Virtuoso does): ask it once for a SELECT of as many rows as triples
        came back, made of constants, and refuse the answer if that SELECT is
        cut. Lengths already found under the limit are not asked again."""
        if count <= self._checked_up_to:
            return
        digits = max(1, math.ceil(math.log10(count + 1)))
        values = " ".join(f"VALUES ?v{i} {{ 0 1 2 3 4 5 6 7 8 9 }}" for i in range(digits))
        probe = f"SELECT ?v0 WHERE {{ {values} }} LIMIT {count}"
        answer = self._ask_store(probe, _RESULTS_ACCEPT, deadline)
        cap = answer.header(_MAX_ROWS).strip()
        if cap.isdigit() and count >= int(cap):
            raise QueryError(self._capped(int(cap), count, "triples"))
        self._checked_up_to = count

    # ------------------------------------------------------------------ forms

    def _results(self, text: str, deadline: _Deadline) -> tuple[Any, Answer]:
        answer = self._ask_store(text, _RESULTS_ACCEPT, deadline)
        formats = dict(_MEDIA.values())
        if answer.media_type not in formats:
            kind = answer.media_type or "no content type"
            raise QueryError(f"{self.endpoint}: answered with {kind}, not SPARQL results")
        try:
            return ox.parse_query_results(answer.body, format=formats[answer.media_type]), answer
        except SyntaxError as exc:
            raise QueryError(f"{self.endpoint}: malformed or truncated results: {exc}") from None

    def select(self, text: str, *, timeout: float | None = None) -> ResultTable:
        result, answer = self._results(text, self._deadline(timeout))
        if not isinstance(result, ox.QuerySolutions):
            raise QueryError(f"{self.endpoint}: expected SELECT results")
        try:
            table = from_solutions(result)
        except SyntaxError as exc:  # parsing is lazy: errors may surface while reading rows
            raise QueryError(f"{self.endpoint}: malformed or truncated results: {exc}") from None
        self._check_complete(answer, len(table.rows), "rows")
        return _canonical_booleans(table)

    def ask(self, text: str, *, timeout: float | None = None) -> bool:
        result, _answer = self._results(text, self._deadline(timeout))
        if not isinstance(result, ox.QueryBoolean):
            raise QueryError(f"{self.endpoint}: expected a boolean result")
        return bool(result)

    def construct(self, text: str, *, timeout: float | None = None) -> list[ox.Triple]:
        deadline = self._deadline(timeout)
        answer = self._ask_store(text, "application/n-triples", deadline)
        if answer.media_type not in ("application/n-triples", "text/plain"):
            kind = answer.media_type or "no content type"
            raise QueryError(f"{self.endpoint}: answered with {kind}, not N-Triples")
        try:
            triples = [q.triple for q in ox.parse(answer.body, format=ox.RdfFormat.N_TRIPLES)]
        except SyntaxError as exc:
            raise QueryError(f"{self.endpoint}: malformed or truncated RDF: {exc}") from None
        self._check_complete(answer, len(triples), "triples")
        self._check_triples_complete(len(triples), deadline)
        return triples


_BOOLEAN = ox.NamedNode("http://www.w3.org/2001/XMLSchema#boolean")
_CANONICAL_BOOLEAN = {"1": ox.Literal("true", datatype=_BOOLEAN), "0": ox.Literal("false", datatype=_BOOLEAN)}


def _canonical_booleans(table: ResultTable) -> ResultTable:
    """Booleans in their canonical form: Virtuoso writes xsd:boolean true as "1"
    (the same value, another lexical form), the embedded engine as "true"."""
    def canonical(term: Any) -> Any:
        if isinstance(term, ox.Literal) and term.datatype == _BOOLEAN:
            return _CANONICAL_BOOLEAN.get(term.value, term)
        return term

    if not any(isinstance(t, ox.Literal) and t.datatype == _BOOLEAN and t.value in _CANONICAL_BOOLEAN
               for row in table.rows for t in row):
        return table
    return ResultTable(table.columns, tuple(tuple(canonical(t) for t in row) for row in table.rows))
